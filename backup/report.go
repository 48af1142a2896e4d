package backup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dev.proclab/internal/numfmt"
)

// WorkerDeath says which worker died and which files it held went back to the queue.
type WorkerDeath struct {
	Worker  int      `json:"worker"`
	PID     int      `json:"pid"`
	Label   string   `json:"label"`
	Reason  string   `json:"reason"`
	Retried []string `json:"retried"`
}

// FileRecord is one file in the manifest.
type FileRecord struct {
	Path string `json:"path"`
	// The name's bytes, when they are not UTF-8 (Linux allows any): JSON writes such a
	// path with U+FFFD, which matches no file; these bytes do.
	PathBytes []byte    `json:"path_bytes,omitempty"`
	Kind      string    `json:"kind"` // file, folder, link, named pipe, socket or device
	Size      int64     `json:"size"`
	Mtime     time.Time `json:"mtime"`
	Status    string    `json:"status"` // copied, skipped, verified, failed, not-copied (a stopped run), planned (dry run)
	Why       string    `json:"why,omitempty"`
	Hash      string    `json:"sha256,omitempty"`
	// Made a hard link of this file's copy, as the source's names are of one file.
	HardLinkOf string `json:"hard_link_of,omitempty"`
}

// Report is what a run did.
type Report struct {
	RunID        string    `json:"run_id"`
	Source       string    `json:"source"`
	Destination  string    `json:"destination"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Seconds      float64   `json:"seconds"`
	DryRun       bool      `json:"dry_run"`
	Verify       bool      `json:"verify"`
	Workers      int       `json:"workers"`
	FilesTotal   int       `json:"files_total"`
	FilesCopied  int       `json:"files_copied"`
	FilesSkipped int       `json:"files_skipped"`
	FilesFailed  int       `json:"files_failed"` // went wrong; not those a stopped run never reached
	// The files a stopped run never reached: a rerun resumes them.
	FilesNotCopied int   `json:"files_not_copied,omitempty"`
	FilesPlanned   int   `json:"files_planned"`            // to copy (dry run: would copy)
	FilesRepaired  int   `json:"files_repaired,omitempty"` // verify found the copy's bytes differed: copied again
	Folders        int   `json:"folders"`
	BytesCopied    int64 `json:"bytes_copied"`
	// Of BytesCopied, those in files with holes that were kept as holes: not written.
	BytesInHoles int64 `json:"bytes_in_holes,omitempty"`
	// Files and folders whose mode or owner the destination's file system cannot hold
	// (FAT, exFAT, many network shares): their contents and times are in place.
	ModesNotKept  int `json:"modes_not_kept,omitempty"`
	OwnersNotKept int `json:"owners_not_kept,omitempty"`
	// Files made hard links of another name's copy, as they are in the source.
	HardLinks  int     `json:"hard_links,omitempty"`
	Throughput float64 `json:"bytes_per_second"`  // bytes written a second: holes are not counted
	Stopped    string  `json:"stopped,omitempty"` // why the run stopped early
	// The run stopped before its search had found every file: the totals and the files
	// not copied are what it had found; running again finds the rest.
	SearchCut     bool          `json:"search_cut,omitempty"`
	NoRoom        string        `json:"no_room,omitempty"` // a dry run: why the backup would not fit
	FlushError    string        `json:"flush_error,omitempty"`
	Errors        []FileError   `json:"errors"`
	ErrorsOmitted int           `json:"errors_omitted,omitempty"` // runs.jsonl: past its first errors (the manifest has every file)
	WorkerDeaths  []WorkerDeath `json:"worker_deaths"`
	Files         []FileRecord  `json:"-"` // in the manifest, streamed
	Plan          *Plan         `json:"-"`
	Manifest      string        `json:"-"`
	ManifestError string        `json:"-"`
}

func (r *Report) setEnd(t time.Time) {
	r.End = t
	r.Seconds = t.Sub(r.Start).Seconds()
	if r.Seconds > 0 {
		r.Throughput = float64(r.BytesCopied-r.BytesInHoles) / r.Seconds
	}
}

// OK reports whether every file is in place (and verified, when asked).
func (r *Report) OK() bool {
	return len(r.Errors) == 0 && r.Stopped == "" && r.NoRoom == "" && r.FlushError == "" && r.ManifestError == ""
}

// repairedWhy is a file's reason in the manifest when Verify found its old copy damaged.
const repairedWhy = "the copy's SHA-256 differed from the source's though size and time matched; copied again"

// NotCopied counts the files a stopped run never reached (apart from FilesFailed).
func (r *Report) NotCopied() int { return r.FilesNotCopied }

// Counts says how a run's files ended, for a summary line: "3 copied, 1 skipped, 0
// failed", with the files a stopped run never reached apart ("…, 2 failed, 5 not
// copied").
func (r *Report) Counts() string {
	if n := r.NotCopied(); n > 0 {
		return fmt.Sprintf("%s copied, %s skipped, %s failed, %s not copied", numfmt.Thousands(r.FilesCopied),
			numfmt.Thousands(r.FilesSkipped), numfmt.Thousands(r.FilesFailed), numfmt.Thousands(n))
	}
	return fmt.Sprintf("%s copied, %s skipped, %s failed", numfmt.Thousands(r.FilesCopied),
		numfmt.Thousands(r.FilesSkipped), numfmt.Thousands(r.FilesFailed))
}

// AverageRate is the bytes copied per second over the whole run, when that says
// something about copying: a run of a few KiB in a few milliseconds is start-up and
// flush, and "1.8 KiB/s" only looks slow.
func (r *Report) AverageRate() (bytesPerSecond float64, ok bool) {
	return r.Throughput, r.Throughput > 0 && (r.BytesCopied-r.BytesInHoles >= 8<<20 || r.Seconds >= 1)
}

// StoppedForRoom reports a run stopped because its destination had, or would have had,
// no room left: running it again resumes only once there is room.
func (r *Report) StoppedForRoom() bool {
	for _, s := range []string{stopNoRoom, stopTooSmall, stopDiskFull} {
		if strings.HasPrefix(r.Stopped, s) {
			return true
		}
	}
	return false
}

// TooSmall reports a run stopped, or a dry run that would not fit, because the whole
// destination disk is smaller than the backup: making room there cannot help.
func (r *Report) TooSmall() bool {
	return strings.HasPrefix(r.Stopped, stopTooSmall) || strings.HasPrefix(r.NoRoom, stopTooSmall)
}

// Planned splits what a run (or a dry run) plans for its workers: files to copy, new or
// changed, and with Verify the unchanged ones to compare by SHA-256, which are read but
// copied only when they differ.
func (r *Report) Planned() (copyFiles, checkFiles int, copyBytes, checkBytes int64) {
	if r.Plan == nil {
		return
	}
	for i := range r.Plan.Files {
		switch it := &r.Plan.Files[i]; it.Op {
		case OpCopy:
			copyFiles++
			copyBytes += contentBytes(it.Kind, it.Size, it.LinkOf)
		case OpVerify:
			checkFiles++
			checkBytes += contentBytes(it.Kind, it.Size, it.LinkOf)
		}
	}
	return
}

// DryRunLine says what a dry run found, for both the window and the command line.
func (r *Report) DryRunLine() string {
	nCopy, nCheck, bCopy, bCheck := r.Planned()
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s of %s would be copied (%s)", numfmt.Thousands(nCopy), numfmt.Count(r.FilesTotal, "file", "files"), numfmt.Bytes(bCopy))
	if nCheck > 0 {
		fmt.Fprintf(&sb, ", %s compared by SHA-256 (%s)", numfmt.Thousands(nCheck), numfmt.Bytes(bCheck))
	}
	fmt.Fprintf(&sb, "; %s unchanged", numfmt.Thousands(r.FilesSkipped))
	if r.FilesFailed > 0 {
		fmt.Fprintf(&sb, "; %s cannot be backed up", numfmt.Thousands(r.FilesFailed))
	}
	return sb.String()
}

// UpToDate reports a finished run that found nothing to copy and nothing wrong.
func (r *Report) UpToDate() bool {
	return !r.DryRun && r.Stopped == "" && r.FilesCopied == 0 && r.Failures() == 0 && r.FlushError == ""
}

// Failures counts what went wrong: the failed files, and the folders that could not be
// read, made or given their mode and times (a folder is no file: FilesFailed leaves
// it out). The files a stopped run never reached are not failures.
func (r *Report) Failures() int { return len(r.Errors) - r.FilesNotCopied }

// FailuresText counts the failures in words, naming the folders among them: "2
// failures" beside "1 failed of 4 files" had read as a slip.
func (r *Report) FailuresText() string {
	n := r.Failures()
	s := numfmt.Count(n, "failure", "failures")
	if dirs := n - r.FilesFailed; dirs > 0 {
		s += fmt.Sprintf(" (%s, %s)", numfmt.Count(r.FilesFailed, "file", "files"), numfmt.Count(dirs, "folder", "folders"))
	}
	return s
}

// Notes are the lines a summary adds after its counts: the copies Verify repaired, and
// each worker that died.
func (r *Report) Notes() []string {
	var notes []string
	if r.FilesRepaired > 0 {
		was := "was"
		if r.FilesRepaired != 1 {
			was = "were"
		}
		notes = append(notes, fmt.Sprintf("Verify: %s other bytes than the source (same size and time) and %s copied again.",
			numfmt.Count(r.FilesRepaired, "old copy had", "old copies had"), was))
	} else if r.Verify && !r.DryRun && r.FilesFailed == 0 && r.Stopped == "" {
		notes = append(notes, fmt.Sprintf("Verify: every file's copy has the same SHA-256 as its source (%s).",
			numfmt.Count(r.FilesCopied+r.FilesSkipped, "file", "files")))
	} else if n := r.FilesCopied + r.FilesSkipped; r.Verify && !r.DryRun && n > 0 {
		// Some files failed or were not reached: what is in place was still checked.
		notes = append(notes, fmt.Sprintf("Verify: each of the %s in place has the same SHA-256 as its source.",
			numfmt.Count(n, "file", "files")))
	}
	if r.BytesInHoles > 0 {
		notes = append(notes, fmt.Sprintf("Holes: %s of the bytes copied are holes in files with holes (disk images, databases), "+
			"kept as holes: %s written.", numfmt.Bytes(r.BytesInHoles), numfmt.Bytes(r.BytesCopied-r.BytesInHoles)))
	}
	if r.HardLinks == 1 {
		notes = append(notes, "Hard links: 1 file is another name of a file in this backup, as in the source; it is "+
			"made a link of that copy, so its bytes are stored once.")
	} else if r.HardLinks > 1 {
		notes = append(notes, fmt.Sprintf("Hard links: %s files are other names of files in this backup, as in the source; "+
			"each is made a link of that copy, so their bytes are stored once.", numfmt.Thousands(r.HardLinks)))
	}
	if r.ModesNotKept > 0 || r.OwnersNotKept > 0 {
		what := "permissions"
		switch {
		case r.ModesNotKept == 0:
			what = "owners"
		case r.OwnersNotKept > 0:
			what = "permissions or owners"
		}
		notes = append(notes, fmt.Sprintf("Not kept: the destination's file system cannot hold %s (FAT, exFAT and many network "+
			"shares cannot); %s have the destination's own. Their contents and times are backed up; back up to a Linux "+
			"or macOS file system to keep them too.", what, numfmt.Count(max(r.ModesNotKept, r.OwnersNotKept), "entry", "entries")))
	}
	if r.Plan != nil && r.Plan.SourceMeta {
		notes = append(notes, fmt.Sprintf("Not copied: the source's own %s folder (the run records of a backup made into it); "+
			"this backup keeps its own there.", MetaDir))
	}
	for _, d := range r.WorkerDeaths {
		notes = append(notes, fmt.Sprintf("Worker %d (PID %d) died: %s; %s.", d.Worker, d.PID, d.Reason,
			numfmt.Count(len(d.Retried), "file retried", "files retried")))
	}
	return notes
}

// Summary is the command line's --json object.
type Summary struct {
	RunID        string `json:"run_id"`
	FilesTotal   int    `json:"files_total"`
	FilesCopied  int    `json:"files_copied"`
	FilesSkipped int    `json:"files_skipped"`
	FilesFailed  int    `json:"files_failed"`
	// Folders that could not be read, made or given their mode and times: with
	// files_failed, what errors lists ("1 failed" beside two errors had read as a slip).
	FoldersFailed int         `json:"folders_failed,omitempty"`
	BytesCopied   int64       `json:"bytes_copied"`
	BytesInHoles  int64       `json:"bytes_in_holes,omitempty"` // of bytes_copied, kept as holes (not written)
	ModesNotKept  int         `json:"modes_not_kept,omitempty"` // the destination cannot hold them (FAT…)
	OwnersNotKept int         `json:"owners_not_kept,omitempty"`
	HardLinks     int         `json:"hard_links,omitempty"` // of files_copied, made hard links as in the source
	Seconds       float64     `json:"seconds"`
	Errors        []FileError `json:"errors"` // the failed files (the manifest lists every file)
	// A stopped run: why, and how many files it never reached (running again resumes
	// them). Not in files_failed or errors: a stop after 10 of 50,000 files is one
	// reason, not 49,990 errors.
	Stopped        string `json:"stopped,omitempty"`
	FilesNotCopied int    `json:"files_not_copied,omitempty"`
	SearchCut      bool   `json:"search_cut,omitempty"` // the totals are only what the search had found
	// Workers that died: each one's files went to a replacement.
	WorkerDeaths []WorkerDeath `json:"worker_deaths,omitempty"`
	// Verify: old copies whose bytes differed (same size and time), copied again.
	FilesRepaired int `json:"files_repaired,omitempty"`
	// A dry run copies nothing: these say so and count what it would copy.
	DryRun       bool   `json:"dry_run,omitempty"`
	FilesPlanned int    `json:"files_planned,omitempty"` // to copy or, with Verify, to compare
	FilesToCheck int    `json:"files_to_compare,omitempty"`
	BytesPlanned int64  `json:"bytes_planned,omitempty"` // what files_planned hold
	NoRoom       string `json:"no_room,omitempty"`       // why it would not fit
}

// Summary returns the short form.
func (r *Report) Summary() Summary {
	errs := r.head(0).Errors
	sum := Summary{RunID: r.RunID, FilesTotal: r.FilesTotal, FilesCopied: r.FilesCopied, FilesSkipped: r.FilesSkipped,
		FilesFailed: r.FilesFailed, FoldersFailed: r.Failures() - r.FilesFailed, BytesCopied: r.BytesCopied, BytesInHoles: r.BytesInHoles, ModesNotKept: r.ModesNotKept, OwnersNotKept: r.OwnersNotKept, HardLinks: r.HardLinks, Seconds: r.Seconds, Errors: errs,
		Stopped: r.Stopped, FilesNotCopied: r.FilesNotCopied, FilesRepaired: r.FilesRepaired,
		SearchCut: r.SearchCut, WorkerDeaths: r.WorkerDeaths}
	if r.DryRun {
		sum.DryRun, sum.FilesPlanned, sum.NoRoom = true, r.FilesPlanned, r.NoRoom
		var copyBytes, checkBytes int64
		_, sum.FilesToCheck, copyBytes, checkBytes = r.Planned()
		sum.BytesPlanned = copyBytes + checkBytes
	}
	return sum
}

// fill counts the plan's items and the workers' outcomes (by plan file index).
func (r *Report) fill(p *Plan, outcome func(i int) result, extra []*FileError) {
	r.Errors, r.WorkerDeaths = []FileError{}, append([]WorkerDeath{}, r.WorkerDeaths...)
	r.Folders = len(p.Dirs)
	r.FilesTotal = len(p.Files)
	r.Files = make([]FileRecord, len(p.Files))
	for i := range p.Files {
		it := &p.Files[i]
		rec := FileRecord{Path: filepath.ToSlash(it.Rel), Kind: it.Kind.String(), Size: it.Size, Mtime: it.Mtime, Why: it.Why}
		if !utf8.ValidString(rec.Path) {
			rec.PathBytes = []byte(rec.Path) // base64 in the JSON
		}
		if it.Kind == KindOther {
			rec.Kind = specialName(it.Mode) // "named pipe", "socket", "device"
		}
		var fe *FileError
		switch it.Op {
		case OpFail:
			fe = it.Err
		case OpSkip, OpMeta:
			rec.Status = "skipped"
		case OpCopy, OpVerify:
			r.FilesPlanned++
			if r.DryRun {
				rec.Status = "planned"
				break
			}
			res := outcome(i)
			rec.Hash = res.Hash
			switch {
			case res.Err != nil:
				fe = res.Err
			case res.Copied:
				rec.Status = "copied"
				r.BytesCopied += res.Bytes
				r.BytesInHoles += res.Holes
				if res.Lost&lostMode != 0 {
					r.ModesNotKept++
				}
				if res.Lost&lostOwner != 0 {
					r.OwnersNotKept++
				}
				if res.Repaired {
					rec.Why = repairedWhy
					r.FilesRepaired++
				}
				if res.Linked {
					rec.HardLinkOf = filepath.ToSlash(it.LinkOf)
					r.HardLinks++
				}
			default:
				rec.Status = "verified"
			}
		}
		if fe != nil {
			rec.Status = "failed"
			if fe.Kind == ErrNotCopied {
				rec.Status = "not-copied"
				r.FilesNotCopied++
			}
			r.Errors = append(r.Errors, *fe)
		}
		if it.Kind == KindDir {
			// A source folder that cannot be read: an error, but not a file.
			r.FilesTotal--
			r.Files[i] = rec
			continue
		}
		switch rec.Status {
		case "copied":
			r.FilesCopied++
		case "skipped", "verified", "planned":
			r.FilesSkipped++
		case "failed":
			r.FilesFailed++
		}
		r.Files[i] = rec
	}
	if r.DryRun {
		r.FilesSkipped -= r.FilesPlanned // would be copied: neither copied nor skipped
	}
	for _, fe := range extra {
		r.Errors = append(r.Errors, *fe)
	}
}

// runsLineErrors is how many errors a run's line in runs.jsonl lists.
const runsLineErrors = 100

// writeManifest writes DST/.proclab/manifest.json (this run, every file) under a
// temporary name, syncs and renames it, and appends the summary to runs.jsonl, so the
// manifest only ever calls a run done once its files are on disk.
func (r *Report) writeManifest(dst string, files []byte) error {
	dir := filepath.Join(dst, MetaDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write the manifest: %w", err)
	}
	final := filepath.Join(dir, "manifest.json")
	tmp := final + "." + r.RunID[:8] + tempSuffix
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write the manifest: %w", err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = r.encodeManifest(bw, files)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write the manifest: %w", err)
	}
	r.Manifest = final
	// One line a run: a stop after 10 of 50,000 files must not add 50,000 errors to it.
	short := r.head(runsLineErrors)
	line, _ := json.Marshal(&short)
	if lf, err := os.OpenFile(filepath.Join(dir, "runs.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
		lf.Write(append(line, '\n'))
		lf.Close()
	}
	return nil
}

// head is the report for a manifest's or runs.jsonl's top: its errors are the files
// that failed, at most limit of them (0: all); the files a stopped run never reached are
// counted in files_not_copied and marked in the file list, not repeated as errors.
func (r *Report) head(limit int) Report {
	h := *r
	h.Errors = []FileError{}
	for _, e := range r.Errors {
		if e.Kind == ErrNotCopied {
			continue
		}
		if limit > 0 && len(h.Errors) == limit {
			h.ErrorsOmitted++
			continue
		}
		h.Errors = append(h.Errors, e)
	}
	return h
}

// encodeManifest writes the report's fields, then "files" from encodeFiles.
func (r *Report) encodeManifest(w *bufio.Writer, files []byte) error {
	h := r.head(0)
	head, err := json.Marshal(&h)
	if err != nil {
		return err
	}
	w.Write(head[:len(head)-1])
	w.WriteString(`,"files":[`)
	w.Write(files)
	_, err = w.WriteString("\n]}\n")
	return err
}

// encodeFiles is the manifest's file list, one entry per line. It depends on nothing
// the final flush decides, so it is made while the flush waits for the disk.
func (r *Report) encodeFiles() []byte {
	var b bytes.Buffer
	b.Grow(len(r.Files) * 160)
	for i := range r.Files {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		if line, ok := appendRecord(b.AvailableBuffer(), &r.Files[i]); ok {
			b.Write(line)
		} else if line, err := json.Marshal(&r.Files[i]); err == nil {
			b.Write(line)
		} else {
			b.WriteString("null") // a time past year 9999, which no file system here holds
		}
	}
	return b.Bytes()
}

// appendRecord appends f as encoding/json writes it, when it holds nothing that JSON
// would escape or refuse; ok is false otherwise. json's reflection had been a tenth of
// a no-change run's CPU, spent after the walk, with nothing left to overlap it.
func appendRecord(b []byte, f *FileRecord) (_ []byte, ok bool) {
	if f.PathBytes != nil || f.Mtime.Year() < 0 || f.Mtime.Year() > 9999 {
		return b, false
	}
	if _, off := f.Mtime.Zone(); off <= -24*3600 || off >= 24*3600 {
		return b, false
	}
	for _, s := range [...]string{f.Path, f.Kind, f.Status, f.Why, f.Hash, f.HardLinkOf} {
		if !plainJSON(s) {
			return b, false
		}
	}
	b = append(b, `{"path":"`...)
	b = append(b, f.Path...)
	b = append(b, `","kind":"`...)
	b = append(b, f.Kind...)
	b = append(b, `","size":`...)
	b = strconv.AppendInt(b, f.Size, 10)
	b = append(b, `,"mtime":"`...)
	b = f.Mtime.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","status":"`...)
	b = append(b, f.Status...)
	b = append(b, '"')
	for _, kv := range [...][2]string{{"why", f.Why}, {"sha256", f.Hash}, {"hard_link_of", f.HardLinkOf}} {
		if kv[1] != "" {
			b = append(b, `,"`...)
			b = append(b, kv[0]...)
			b = append(b, `":"`...)
			b = append(b, kv[1]...)
			b = append(b, '"')
		}
	}
	return append(b, '}'), true
}

// plainJSON tells whether encoding/json writes s as it is: printable ASCII, none of it
// escaped (quotes, backslashes, and <, > and &, which json escapes for HTML).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// LastRun is the summary of the latest run recorded in dst (the last line of its
// .proclab/runs.jsonl; errors cut to the first few), or nil when dst holds no ProcLab
// backup. The window says from it what a remembered destination already holds.
func LastRun(dst string) (*Report, error) {
	f, err := os.Open(filepath.Join(dst, MetaDir, "runs.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Only the file's end, as much as holds the last line whole: the window asks at
	// each pause in typing, and the file gains a line a run.
	var last []byte
	for tail := int64(64 << 10); ; tail *= 2 {
		from := max(st.Size()-tail, 0)
		buf := make([]byte, st.Size()-from)
		if _, err := f.ReadAt(buf, from); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		buf = bytes.TrimRight(buf, "\n")
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 || from == 0 {
			last = buf[i+1:]
			break
		}
	}
	if len(last) == 0 {
		return nil, nil
	}
	var r Report
	if err := json.Unmarshal(last, &r); err != nil {
		return nil, fmt.Errorf("%s: the last run's line is damaged: %w", f.Name(), err)
	}
	return &r, nil
}
