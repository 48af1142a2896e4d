// These tests check POSIX modes, owners, mounts and dropped privileges: Unix only.

//go:build unix

package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dev.proclab/internal/testsup"

	"dev.proclab/backup"
	"dev.proclab/core"
)

// The test binary doubles as the worker: the pool re-executes it in the worker role.
// With asNobodyEnv set it runs one backup (as whoever started it) and prints the report.
const asNobodyEnv = "PROCLAB_TEST_BACKUP_AS_CHILD"

func TestMain(m *testing.M) {
	core.RunIfChild(backup.Roles)
	if spec := os.Getenv(asNobodyEnv); spec != "" {
		os.Exit(runFromEnv(spec))
	}
	os.Exit(testsup.Run(m))
}

func runFromEnv(spec string) int {
	var o struct{ Src, Dst string }
	json.Unmarshal([]byte(spec), &o)
	sup, _ := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)})
	defer sup.Shutdown(context.Background(), time.Second)
	rep, err := backup.Backup(context.Background(), backup.Options{Src: o.Src, Dst: o.Dst, Workers: 2, Sup: sup})
	out := map[string]any{"report": rep}
	if err != nil {
		out["error"] = err.Error()
		out["input_error"] = backup.IsInputError(err)
	}
	json.NewEncoder(os.Stdout).Encode(out)
	return 0
}

func newSup(t testing.TB) *core.Supervisor {
	t.Helper()
	s := testsup.New(t)
	return s
}

func run(t *testing.T, o backup.Options) *backup.Report {
	t.Helper()
	if o.Sup == nil {
		o.Sup = newSup(t)
	}
	if o.Workers == 0 {
		o.Workers = 3
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := backup.Backup(ctx, o)
	if err != nil {
		t.Fatalf("backup %s → %s: %v", o.Src, o.Dst, err)
	}
	return rep
}

var past = time.Date(2021, 3, 4, 5, 6, 7, 891011121, time.UTC)

func write(t *testing.T, p string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, past, past.Add(time.Duration(len(p))*time.Second)); err != nil {
		t.Fatal(err)
	}
}

// sampleTree makes a source with what a backup must keep: sizes from empty to a streamed
// big file, modes, an empty folder, a read-only folder, links inside and out of the tree.
func sampleTree(t *testing.T) string {
	src := filepath.Join(t.TempDir(), "src")
	write(t, filepath.Join(src, "empty.txt"), nil, 0o644)
	write(t, filepath.Join(src, "a.txt"), []byte("alpha\n"), 0o600)
	write(t, filepath.Join(src, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	write(t, filepath.Join(src, "ro.txt"), []byte("read only"), 0o444)
	write(t, filepath.Join(src, "deep/er/still/deeper/x.bin"), bytes.Repeat([]byte{7}, 70000), 0o640)
	write(t, filepath.Join(src, "ünïcødé 写真/名前.txt"), []byte("unicode"), 0o644)
	big := make([]byte, 9<<20) // over the streaming threshold
	for i := range big {
		big[i] = byte(i * 31)
	}
	write(t, filepath.Join(src, "big/video.bin"), big, 0o644)
	for i := range 40 {
		write(t, filepath.Join(src, "many", fmt.Sprintf("f%03d.txt", i)), []byte(strings.Repeat("x", i*100)), 0o644)
	}
	must(t, os.MkdirAll(filepath.Join(src, "empty/nested-empty"), 0o755))
	write(t, filepath.Join(src, "locked/inside.txt"), []byte("in a read-only folder"), 0o644)
	must(t, os.Symlink("a.txt", filepath.Join(src, "link-in")))
	must(t, os.Symlink("/etc/hostname", filepath.Join(src, "link-out")))
	must(t, os.Symlink("../nowhere", filepath.Join(src, "deep/dangling")))
	must(t, os.Symlink("deep/er", filepath.Join(src, "link-to-dir")))
	if os.Geteuid() == 0 {
		// As root, owners are kept (as cp -a keeps them): give some entries strangers.
		must(t, os.Lchown(filepath.Join(src, "a.txt"), 1234, 5678))
		must(t, os.Lchown(filepath.Join(src, "link-in"), 1234, 5678))
		must(t, os.Lchown(filepath.Join(src, "deep/er"), 4321, 8765))
	}
	must(t, os.Chmod(filepath.Join(src, "locked"), 0o555))
	must(t, os.Chmod(filepath.Join(src, "deep/er"), 0o750))
	// Folder times last: writing inside a folder changes its time.
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			os.Chtimes(p, past, past.Add(time.Duration(len(p))*time.Minute))
		}
		return nil
	})
	return src
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sameTree fails unless dst holds exactly src (plus .proclab): kinds, bytes, modes,
// times, owners and link targets; and no temporary file anywhere.
func sameTree(t *testing.T, src, dst string) {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		seen[rel] = true
		si, err := os.Lstat(p)
		if err != nil {
			return err
		}
		di, err := os.Lstat(filepath.Join(dst, rel))
		if err != nil {
			return fmt.Errorf("%s missing in the copy: %w", rel, err)
		}
		if si.Mode() != di.Mode() {
			return fmt.Errorf("%s: mode %v, copy has %v", rel, si.Mode(), di.Mode())
		}
		st, dt := si.ModTime(), di.ModTime()
		if si.Mode()&fs.ModeSymlink != 0 && dt.Sub(st).Abs() < time.Microsecond {
			// The copy library sets a link's times with lutimes: to the microsecond.
			dt = st
		}
		if !st.Equal(dt) {
			return fmt.Errorf("%s: time %v, copy has %v", rel, si.ModTime(), di.ModTime())
		}
		ss, ds := si.Sys().(*syscall.Stat_t), di.Sys().(*syscall.Stat_t)
		if ss.Uid != ds.Uid || ss.Gid != ds.Gid {
			return fmt.Errorf("%s: owner %d:%d, copy has %d:%d", rel, ss.Uid, ss.Gid, ds.Uid, ds.Gid)
		}
		switch {
		case si.Mode()&fs.ModeSymlink != 0:
			a, _ := os.Readlink(p)
			b, _ := os.Readlink(filepath.Join(dst, rel))
			if a != b {
				return fmt.Errorf("%s: link to %q, copy links to %q", rel, a, b)
			}
		case si.Mode().IsRegular():
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(filepath.Join(dst, rel))
			if !bytes.Equal(a, b) {
				return fmt.Errorf("%s: contents differ", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dst, p)
		if rel == backup.MetaDir {
			return filepath.SkipDir
		}
		if !seen[rel] {
			t.Errorf("%s is in the copy but not in the source", rel)
		}
		return nil
	})
	noTemps(t, dst)
}

func noTemps(t *testing.T, dst string) {
	t.Helper()
	filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".proclab.tmp") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func countStarts(n *atomic.Int32) func(backup.Event) {
	return func(e backup.Event) {
		if e.Kind == backup.EvWorkerStarted {
			n.Add(1)
		}
	}
}

func TestCopyIsIdenticalThenSecondRunCopiesNothing(t *testing.T) {
	src := sampleTree(t)
	dst := filepath.Join(t.TempDir(), "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if !rep.OK() || rep.FilesCopied != rep.FilesTotal || rep.FilesTotal != 52 {
		t.Fatalf("first run: %d of %d copied, errors %v, stopped %q", rep.FilesCopied, rep.FilesTotal, rep.Errors, rep.Stopped)
	}
	sameTree(t, src, dst)
	var m struct {
		RunID string `json:"run_id"`
		Files []struct{ Path, Status string }
	}
	b, err := os.ReadFile(filepath.Join(dst, ".proclab", "manifest.json"))
	must(t, err)
	must(t, json.Unmarshal(b, &m))
	if m.RunID != rep.RunID || len(m.Files) != rep.FilesTotal {
		t.Fatalf("manifest: run %q with %d files, want %q with %d", m.RunID, len(m.Files), rep.RunID, rep.FilesTotal)
	}

	var starts atomic.Int32
	rep = run(t, backup.Options{Src: src, Dst: dst, OnEvent: countStarts(&starts)})
	if rep.FilesCopied != 0 || rep.FilesSkipped != rep.FilesTotal || !rep.OK() {
		t.Fatalf("second run copied %d, skipped %d of %d, errors %v", rep.FilesCopied, rep.FilesSkipped, rep.FilesTotal, rep.Errors)
	}
	if starts.Load() != 0 {
		t.Fatalf("second run started %d workers with nothing to copy", starts.Load())
	}
	sameTree(t, src, dst)

	// What the window says of a remembered destination: its latest run.
	last, err := backup.LastRun(dst)
	if err != nil || last == nil || last.RunID != rep.RunID || last.Source != src || last.FilesSkipped != rep.FilesTotal {
		t.Fatalf("LastRun: %+v, %v; want the second run (%s) of %s", last, err, rep.RunID, src)
	}
	if last, err := backup.LastRun(src); last != nil || err != nil {
		t.Fatalf("LastRun of a folder with no backup: %+v, %v", last, err)
	}
}

func TestChangedFilesAreCopiedAgain(t *testing.T) {
	src := sampleTree(t)
	dst := filepath.Join(t.TempDir(), "dst")
	run(t, backup.Options{Src: src, Dst: dst})
	// Same size, new time; new size; a new file; a mode change only.
	must(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("ALPHA\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(src, "many/f001.txt"), []byte("longer than before"), 0o644))
	must(t, os.WriteFile(filepath.Join(src, "empty/nested-empty/new.txt"), []byte("new"), 0o644))
	must(t, os.Chmod(filepath.Join(src, "run.sh"), 0o700))
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 1})
	if rep.FilesCopied != 3 || !rep.OK() {
		t.Fatalf("copied %d files (errors %v), want the 3 changed", rep.FilesCopied, rep.Errors)
	}
	sameTree(t, src, dst)
}

func snapshot(t *testing.T, root string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, _ := os.Lstat(p)
		out[p] = fmt.Sprintf("%v %d %v", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	return out
}

// The plan lists every entry once, sorted, with the root folder first even where a top
// folder's name sorts before "." (the run reads the root's error there).
func TestPlanListsEverythingSortedRootFirst(t *testing.T) {
	src := sampleTree(t)
	for _, d := range []string{"-old", "#tmp/+x"} {
		write(t, filepath.Join(src, d, "f"), []byte(d), 0o644)
	}
	var wantFiles, wantDirs int
	for _, meta := range snapshot(t, src) {
		if strings.HasPrefix(meta, "d") { // a folder's mode
			wantDirs++
		} else {
			wantFiles++
		}
	}
	p, err := backup.MakePlan(src, filepath.Join(t.TempDir(), "dst"), false)
	must(t, err)
	if len(p.Files) != wantFiles || len(p.Dirs) != wantDirs || p.Dirs[0].Rel != "." {
		t.Fatalf("plan: %d files, %d folders, first folder %q; want %d, %d, \".\"", len(p.Files), len(p.Dirs), p.Dirs[0].Rel, wantFiles, wantDirs)
	}
	for i := 2; i < len(p.Dirs); i++ {
		if p.Dirs[i-1].Rel >= p.Dirs[i].Rel {
			t.Fatalf("folders out of order: %q before %q", p.Dirs[i-1].Rel, p.Dirs[i].Rel)
		}
	}
	for i := 1; i < len(p.Files); i++ {
		if p.Files[i-1].Rel >= p.Files[i].Rel {
			t.Fatalf("files out of order: %q before %q", p.Files[i-1].Rel, p.Files[i].Rel)
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	src := sampleTree(t)
	dst := filepath.Join(t.TempDir(), "dst")
	var starts atomic.Int32
	rep := run(t, backup.Options{Src: src, Dst: dst, DryRun: true, OnEvent: countStarts(&starts)})
	if _, err := os.Stat(dst); err == nil {
		t.Fatal("a dry run created the destination")
	}
	if rep.FilesPlanned != rep.FilesTotal || rep.FilesCopied != 0 || starts.Load() != 0 {
		t.Fatalf("dry run planned %d of %d, copied %d, started %d workers", rep.FilesPlanned, rep.FilesTotal, rep.FilesCopied, starts.Load())
	}
	run(t, backup.Options{Src: src, Dst: dst})
	must(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("changed"), 0o600))
	before := snapshot(t, dst)
	rep = run(t, backup.Options{Src: src, Dst: dst, DryRun: true})
	if rep.FilesPlanned != 1 {
		t.Fatalf("dry run plans %d files, want the 1 changed", rep.FilesPlanned)
	}
	// The --json summary says it was a dry run and what it would copy.
	if sum := rep.Summary(); !sum.DryRun || sum.FilesPlanned != 1 {
		t.Fatalf("dry run summary %+v, want dry_run and files_planned 1", sum)
	}
	after := snapshot(t, dst)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatal("a dry run changed the destination")
	}
}

func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	src := sampleTree(t)
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	must(t, os.WriteFile(file, []byte("x"), 0o644))
	backed := filepath.Join(base, "backed")
	must(t, os.MkdirAll(filepath.Join(backed, ".proclab", "inner"), 0o755))
	parent := filepath.Join(base, "parent")
	must(t, os.MkdirAll(filepath.Join(parent, "child"), 0o755))
	must(t, os.WriteFile(filepath.Join(parent, "child", "f1"), []byte("x"), 0o644))
	cases := []struct{ name, src, dst, want string }{
		{"source inside the destination", filepath.Join(parent, "child"), parent, "inside the destination"},
		{"missing source", filepath.Join(base, "nope"), filepath.Join(base, "d1"), "does not exist"},
		{"missing source, a space at its end", src + " ", filepath.Join(base, "d1"), "ends with a space"},
		{"source is a file", file, filepath.Join(base, "d2"), "is a file"},
		{"destination is the source", src, src, "source folder itself"},
		{"destination inside the source", src, filepath.Join(src, "deep", "backup"), "inside the source"},
		{"source inside destination's .proclab", filepath.Join(backed, ".proclab", "inner"), backed, ".proclab"},
		{"destination is a file", src, file, "is a file"},
		{"empty source", "", filepath.Join(base, "d3"), "no source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, base)
			_, err := backup.Start(context.Background(), backup.Options{Src: c.src, Dst: c.dst, Sup: newSup(t)})
			if err == nil || !backup.IsInputError(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an input error containing %q", err, c.want)
			}
			if fmt.Sprint(before) != fmt.Sprint(snapshot(t, base)) {
				t.Fatal("refused input still wrote something")
			}
		})
	}
	t.Run("read-only destination", func(t *testing.T) {
		ro := filepath.Join(base, "ro")
		must(t, os.MkdirAll(ro, 0o755))
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a read-only tmpfs to test with (needs root): %v %s", err, out)
		}
		defer exec.Command("umount", ro).Run()
		_, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(ro, "dst"), Sup: newSup(t)})
		if err == nil || !backup.IsInputError(err) || !strings.Contains(err.Error(), "cannot write") {
			t.Fatalf("got %v, want an input error saying it cannot write", err)
		}
	})
	t.Run("unreadable source", func(t *testing.T) {
		dir := nobodyDir(t)
		s := filepath.Join(dir, "secret")
		must(t, os.MkdirAll(s, 0o700)) // root's, closed to nobody
		must(t, os.WriteFile(filepath.Join(s, "f"), []byte("x"), 0o600))
		d := filepath.Join(dir, "out")
		out := runAsNobody(t, s, d)
		if out.InputError != true || !strings.Contains(out.Error, "cannot read source") {
			t.Fatalf("as nobody: %+v, want an input error: cannot read source", out)
		}
		if _, err := os.Stat(d); err == nil {
			t.Fatal("refused input still created the destination")
		}
	})
}

// nobodyDir is a folder the unprivileged user may enter and write in (t.TempDir() is
// 0700 and root's).
func nobodyDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as nobody; as a normal user the permission tests are the plain ones")
	}
	dir := t.TempDir()
	for p := dir; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	must(t, os.Chmod(dir, 0o777))
	return dir
}

type childOut struct {
	Report     *backup.Report `json:"report"`
	Error      string         `json:"error"`
	InputError bool           `json:"input_error"`
}

// runAsNobody runs one backup in a child with dropped privileges (uid and gid 65534),
// from a copy of the test binary that user may execute.
func runAsNobody(t *testing.T, src, dst string) childOut {
	t.Helper()
	exe, err := os.Executable()
	must(t, err)
	binDir := nobodyDir(t)
	bin := filepath.Join(binDir, "backup.test")
	data, err := os.ReadFile(exe)
	must(t, err)
	must(t, os.WriteFile(bin, data, 0o755))
	spec, _ := json.Marshal(map[string]string{"Src": src, "Dst": dst})
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), asNobodyEnv+"="+string(spec), "HOME="+binDir)
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, stderr.String())
	}
	var out childOut
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("child output %q: %v", b, err)
	}
	return out
}

func TestUnreadableFileIsListedAndTheRestIsCopied(t *testing.T) {
	dir := nobodyDir(t)
	src := filepath.Join(dir, "src")
	for i := range 20 {
		write(t, filepath.Join(src, fmt.Sprintf("ok%02d.txt", i)), []byte("fine"), 0o644)
	}
	write(t, filepath.Join(src, "secret.txt"), []byte("root only"), 0o600) // root's: nobody cannot read it
	write(t, filepath.Join(src, "private/inside.txt"), []byte("root only"), 0o600)
	must(t, os.Chmod(filepath.Join(src, "private"), 0o700))
	must(t, os.Chmod(src, 0o755))
	dst := filepath.Join(dir, "dst")
	out := runAsNobody(t, src, dst)
	if out.Error != "" || out.Report == nil {
		t.Fatalf("as nobody: %+v", out)
	}
	r := out.Report
	byPath := map[string]backup.ErrKind{}
	for _, e := range r.Errors {
		byPath[e.Path] = e.Kind
	}
	// The unreadable folder is an error, but not one of the files.
	if r.FilesCopied != 20 || r.FilesFailed != 1 || r.FilesTotal != 21 || len(r.Errors) != 2 ||
		byPath["secret.txt"] != backup.ErrUnreadable || byPath["private"] != backup.ErrUnreadable {
		t.Fatalf("copied %d, failed %d of %d, errors %+v; want 20 copied of 21 files, secret.txt and the folder private unreadable",
			r.FilesCopied, r.FilesFailed, r.FilesTotal, r.Errors)
	}
	noTemps(t, dst)
}

func TestWorkerKilledMidRunStillGivesCompleteCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 300 {
		write(t, filepath.Join(src, fmt.Sprintf("d%d/f%03d.txt", i%7, i)), bytes.Repeat([]byte{byte(i)}, 1000+i), 0o644)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	sup := newSup(t)
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 3, Sup: sup,
		SlowMotion: 3 * time.Millisecond})
	must(t, err)
	var victim int
	for deadline := time.Now().Add(20 * time.Second); victim == 0; {
		p := r.Progress()
		if p.FilesDone > 30 {
			for _, w := range p.Workers {
				if !w.Ended && w.Worker == 2 && w.File != "" {
					victim = w.PID
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no worker busy mid-run to kill")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, c := range sup.List() {
		if c.PID == victim {
			must(t, sup.Kill(c.ID)) // as the Kill tab does
		}
	}
	rep, err := r.Wait()
	must(t, err)
	if !rep.OK() || rep.FilesCopied != 300 {
		t.Fatalf("after a kill: %d of 300 copied, errors %v, stopped %q", rep.FilesCopied, rep.Errors, rep.Stopped)
	}
	if len(rep.WorkerDeaths) != 1 || rep.WorkerDeaths[0].PID != victim || len(rep.WorkerDeaths[0].Retried) == 0 {
		t.Fatalf("report of deaths %+v, want worker PID %d with its retried files", rep.WorkerDeaths, victim)
	}
	sameTree(t, src, dst)
}

func TestVerifyComparesHashesAndRecopiesSilentCorruption(t *testing.T) {
	src := sampleTree(t)
	dst := filepath.Join(t.TempDir(), "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst, Verify: true})
	if !rep.OK() {
		t.Fatalf("verify run: %v", rep.Errors)
	}
	hashed := 0
	for _, f := range rep.Files {
		if f.Hash != "" {
			hashed++
		}
	}
	if hashed != 48 { // every regular file
		t.Fatalf("%d files carry a hash, want 48", hashed)
	}
	// Corrupt a copy without changing its size or time: only a hash can see it.
	p := filepath.Join(dst, "many/f010.txt")
	fi, _ := os.Stat(p)
	must(t, os.WriteFile(p, bytes.Repeat([]byte("y"), int(fi.Size())), 0o644))
	must(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
	rep = run(t, backup.Options{Src: src, Dst: dst})
	if rep.FilesCopied != 0 {
		t.Fatalf("without verify, size and time match: copied %d", rep.FilesCopied)
	}
	rep = run(t, backup.Options{Src: src, Dst: dst, Verify: true})
	if rep.FilesCopied != 1 || !rep.OK() {
		t.Fatalf("verify run copied %d (errors %v), want the corrupted one", rep.FilesCopied, rep.Errors)
	}
	// The report says the old copy was damaged, not just that a file was copied.
	if rep.FilesRepaired != 1 {
		t.Fatalf("%d files repaired, want the corrupted one", rep.FilesRepaired)
	}
	for _, f := range rep.Files {
		if f.Path == "many/f010.txt" && !strings.Contains(f.Why, "SHA-256 differed") {
			t.Fatalf("manifest record %+v, want why it was copied again", f)
		}
	}
	sameTree(t, src, dst)
}

// thirtyFilesSource makes a source folder of 30 files of 100 KiB (2.9 MiB).
func thirtyFilesSource(t *testing.T) string {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 30 {
		write(t, filepath.Join(src, fmt.Sprintf("f%02d.bin", i)), bytes.Repeat([]byte{byte(i)}, 100<<10), 0o644)
	}
	return src
}

// smallDisk mounts a tmpfs of mib MiB for the test: a disk that fills up.
// With inodes > 0 it holds at most that many files and folders.
func smallDisk(t *testing.T, mib, inodes int) string {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs as a disk that fills up")
	}
	mnt := t.TempDir()
	opt := fmt.Sprintf("size=%dm", mib)
	if inodes > 0 {
		opt += fmt.Sprintf(",nr_inodes=%d", inodes)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opt, "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (%s): %v %s", opt, err, out)
	}
	t.Cleanup(func() {
		// A worker still exiting may hold a folder there open (busy): try again for a
		// while, then detach it, so TempDir's removal never meets a mounted disk.
		for range 100 {
			if exec.Command("umount", mnt).Run() == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		exec.Command("umount", "-l", mnt).Run()
	})
	return mnt
}

func TestFullDiskStopsCleanly(t *testing.T) {
	src, mnt := thirtyFilesSource(t), smallDisk(t, 4, 0)
	dst := filepath.Join(mnt, "dst")
	// The 3 MiB fit when the run starts; then another program takes 2 MiB of the disk.
	var filled sync.Once
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 2, OnEvent: func(e backup.Event) {
		if e.Kind == backup.EvWorkerStarted {
			filled.Do(func() { os.WriteFile(filepath.Join(mnt, "other-program"), make([]byte, 2<<20), 0o644) })
		}
	}})
	if !strings.Contains(rep.Stopped, "full") || !strings.Contains(rep.Stopped, "free at least") {
		t.Fatalf("stopped %q, want a full disk and how much to free", rep.Stopped)
	}
	if rep.FilesCopied == 0 || rep.FilesCopied >= 30 || rep.FilesCopied+rep.FilesFailed+rep.NotCopied() != 30 {
		t.Fatalf("copied %d, failed %d, not copied %d of 30", rep.FilesCopied, rep.FilesFailed, rep.NotCopied())
	}
	kinds := map[backup.ErrKind]int{}
	for _, e := range rep.Errors {
		kinds[e.Kind]++
	}
	if kinds[backup.ErrDiskFull] == 0 || kinds[backup.ErrDiskFull] != rep.FilesFailed || kinds[backup.ErrNotCopied] != rep.NotCopied() ||
		len(kinds) != 2 {
		t.Fatalf("errors by kind %v, want disk-full and not-copied only", kinds)
	}
	noTemps(t, dst)
	// What was copied is whole.
	for _, f := range rep.Files {
		if f.Status == "copied" {
			a, _ := os.ReadFile(filepath.Join(src, f.Path))
			b, _ := os.ReadFile(filepath.Join(dst, f.Path))
			if !bytes.Equal(a, b) {
				t.Fatalf("%s was reported copied but differs", f.Path)
			}
		}
	}
}

// A disk whose file slots (inodes) run out mid-run, with bytes to spare, stops the run
// with that said: "free at least N MiB" would not help.
func TestFullFileTableStopsCleanlyAndSaysSo(t *testing.T) {
	src, mnt := thirtyFilesSource(t), smallDisk(t, 8, 60)
	var filled sync.Once
	rep := run(t, backup.Options{Src: src, Dst: filepath.Join(mnt, "dst"), Workers: 2, OnEvent: func(e backup.Event) {
		if e.Kind == backup.EvWorkerStarted {
			filled.Do(func() {
				for i := range 60 {
					os.WriteFile(filepath.Join(mnt, fmt.Sprintf("other-%d", i)), nil, 0o644)
				}
			})
		}
	}})
	if !strings.Contains(rep.Stopped, "no room for more files") || !strings.Contains(rep.Stopped, "delete files there") {
		t.Fatalf("stopped %q, want the file slots named", rep.Stopped)
	}
	noTemps(t, filepath.Join(mnt, "dst"))
}

func TestTooLittleRoomStopsBeforeTheDiskIsFull(t *testing.T) {
	src := thirtyFilesSource(t)
	write(t, filepath.Join(src, "sub", "deeper", "small.txt"), []byte("small"), 0o644)
	// 31 files and 2 folders to make.
	for _, c := range []struct {
		name        string
		disk, taken int // MiB
		inodes      int // the disk's file slots; other files take half
		want        []string
	}{
		{"disk with too little free", 4, 2, 0, []string{"too little free space", "needs 2.9 MiB there", "free at least 9"}},
		{"disk smaller than the backup", 1, 0, 0, []string{"disk is too small", "whole disk holds 1.0 MiB", "bigger disk"}},
		{"disk with too few free file slots", 8, 0, 60, []string{"too little free space", "new files and folders and the disk", "delete at least"}},
		{"disk with too few file slots", 8, 0, 30, []string{"disk is too small", "30 file slots", "another disk"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			mnt := smallDisk(t, c.disk, c.inodes)
			write(t, filepath.Join(mnt, "other-program"), make([]byte, c.taken<<20), 0o644)
			if c.inodes > 30 {
				for i := range c.inodes / 2 {
					write(t, filepath.Join(mnt, "other", fmt.Sprint(i)), nil, 0o644)
				}
			}
			var before syscall.Statfs_t
			syscall.Statfs(mnt, &before)
			dst := filepath.Join(mnt, "dst")
			// A dry run says so first, of a destination not made yet.
			dry := run(t, backup.Options{Src: src, Dst: dst, DryRun: true})
			for _, w := range c.want {
				if !strings.Contains(dry.NoRoom, w) {
					t.Errorf("dry run: no room %q, want %q in it", dry.NoRoom, w)
				}
			}
			rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 2})
			for _, w := range c.want {
				if !strings.Contains(rep.Stopped, w) {
					t.Errorf("stopped %q, want %q in it", rep.Stopped, w)
				}
			}
			if !rep.StoppedForRoom() {
				t.Error("StoppedForRoom is false")
			}
			// The top folder holds the 30 big files: the plan knew before a worker started
			// or a subfolder was made.
			if rep.FilesCopied != 0 || rep.NotCopied() != 31 || len(rep.WorkerDeaths) != 0 {
				t.Fatalf("copied %d, not copied %d; want 0 and 31", rep.FilesCopied, rep.NotCopied())
			}
			if _, err := os.Lstat(filepath.Join(dst, "sub")); err == nil {
				t.Error("a folder was made after the run knew it would not fit")
			}
			if len(rep.Errors) != 31 {
				t.Errorf("errors %v, want the 31 files not copied only", rep.Errors)
			}
			// The manifest says so too.
			var m struct {
				Stopped        string `json:"stopped"`
				FilesNotCopied int    `json:"files_not_copied"`
			}
			b, _ := os.ReadFile(filepath.Join(dst, backup.MetaDir, "manifest.json"))
			if err := json.Unmarshal(b, &m); err != nil || m.FilesNotCopied != 31 || m.Stopped != rep.Stopped {
				t.Errorf("manifest: %+v (%v), want 31 not copied and why", m, err)
			}
			var after syscall.Statfs_t
			if err := syscall.Statfs(mnt, &after); err != nil || before.Bfree-after.Bfree > 64<<10/uint64(after.Bsize) {
				t.Fatalf("the run took %d blocks of the disk (%v); want only its report", before.Bfree-after.Bfree, err)
			}
			noTemps(t, dst)
		})
	}
}

func TestVanishedAndChangingFilesAreErrorsTheRestGoesOn(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 20 {
		write(t, filepath.Join(src, fmt.Sprintf("f%02d.txt", i)), []byte("steady"), 0o644)
	}
	write(t, filepath.Join(src, "gone.txt"), []byte("soon gone"), 0o644)
	// Big enough that its copy takes a while on a loaded machine: a writer starved for
	// the whole of a 20 MiB copy, twice, let it pass as unchanged.
	write(t, filepath.Join(src, "growing.log"), make([]byte, 96<<20), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	stopGrowing := make(chan struct{})
	grown := make(chan struct{})
	// The log grows from before the run: started at the plan's end, it began after the
	// worker had taken the big file first, and the copy was clean.
	growing, err := os.OpenFile(filepath.Join(src, "growing.log"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	defer growing.Close()
	go func() {
		defer close(grown)
		for {
			select {
			case <-stopGrowing:
				return
			default:
				growing.Write([]byte("more\n"))
			}
		}
	}()
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 1, SlowMotion: 10 * time.Millisecond, OnEvent: func(e backup.Event) {
		if e.Kind == backup.EvPlanned {
			os.Remove(filepath.Join(src, "gone.txt")) // the plan is made: a file vanishes
		}
		if e.Kind == backup.EvPhase && e.Phase == backup.PhaseFinishing {
			close(stopGrowing)
		}
	}})
	<-grown
	byPath := map[string]backup.ErrKind{}
	for _, e := range rep.Errors {
		byPath[e.Path] = e.Kind
	}
	if byPath["gone.txt"] != backup.ErrVanished || byPath["growing.log"] != backup.ErrChanged || rep.FilesCopied != 20 {
		t.Fatalf("errors %+v, copied %d; want gone.txt vanished, growing.log changed, 20 copied", rep.Errors, rep.FilesCopied)
	}
	if _, err := os.Stat(filepath.Join(dst, "growing.log")); err == nil {
		t.Fatal("a file that changed while read was put in place")
	}
	noTemps(t, dst)
}

func TestNameTheDestinationCannotHoldIsAnErrorForThatFile(t *testing.T) {
	// The destination's path is longer than the source's, so a deep path that fits
	// under the source is over PATH_MAX under the destination.
	base := t.TempDir()
	src := filepath.Join(base, "s")
	deep := src
	for len(deep) < 3800 {
		deep = filepath.Join(deep, strings.Repeat("d", 200))
	}
	write(t, filepath.Join(deep, "far.txt"), []byte("far"), 0o644)
	write(t, filepath.Join(src, "near.txt"), []byte("near"), 0o644)
	dst := base
	for range 4 {
		dst = filepath.Join(dst, strings.Repeat("D", 200))
	}
	rep := run(t, backup.Options{Src: src, Dst: dst})
	bad := 0
	for _, e := range rep.Errors {
		if e.Kind == backup.ErrBadName {
			bad++
		}
	}
	if bad == 0 || rep.FilesCopied != 1 {
		t.Fatalf("errors %+v, copied %d; want a bad-name error and near.txt copied", rep.Errors, rep.FilesCopied)
	}
	// The folder that could not be made is reported once, not again when its mode and
	// time would have been set.
	seen := map[string]bool{}
	for _, e := range rep.Errors {
		if seen[e.Path] {
			t.Fatalf("%s is reported twice: %+v", e.Path, rep.Errors)
		}
		seen[e.Path] = true
	}
}

// A file in the destination where the source now has a folder is never deleted: like a
// folder where a file goes, the user moves it away; the folder's files are listed as not
// backed up, in a dry run too.
func TestFileWhereTheSourceHasAFolderIsKept(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	write(t, filepath.Join(src, "sub/a.txt"), []byte("new"), 0o644)
	write(t, filepath.Join(src, "sub/deeper/b.txt"), []byte("new"), 0o644)
	write(t, filepath.Join(src, "ok.txt"), []byte("ok"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	write(t, filepath.Join(dst, "sub"), []byte("an old file the user may still want"), 0o644)
	for _, dry := range []bool{true, false} {
		rep := run(t, backup.Options{Src: src, Dst: dst, DryRun: dry})
		if got, _ := os.ReadFile(filepath.Join(dst, "sub")); string(got) != "an old file the user may still want" {
			t.Fatalf("dry run %v: the destination's file was replaced (now %q)", dry, got)
		}
		byPath := map[string]backup.FileError{}
		for _, e := range rep.Errors {
			byPath[e.Path] = e
		}
		if e := byPath["sub"]; e.Kind != backup.ErrConflict || !strings.Contains(e.Msg, "move it away") {
			t.Fatalf("dry run %v: errors %+v, want sub as a conflict saying to move it away", dry, rep.Errors)
		}
		for _, f := range []string{"sub/a.txt", "sub/deeper/b.txt"} {
			if e := byPath[f]; e.Kind != backup.ErrConflict || !strings.Contains(e.Msg, "its folder could not be made") {
				t.Fatalf("dry run %v: %s has error %+v, want it not backed up for its folder", dry, f, e)
			}
		}
		if rep.FilesFailed != 2 || len(rep.Errors) != 3 || rep.OK() {
			t.Fatalf("dry run %v: %d failed, errors %+v; want the 2 files and the folder", dry, rep.FilesFailed, rep.Errors)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "ok.txt")); string(got) != "ok" {
		t.Fatal("the rest of the backup did not go on")
	}
}

func TestDemoSourceHasNestedUnicodeAndEmptyFolders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	must(t, backup.GenerateDemo(dir, backup.DemoOptions{Files: 200, Bytes: 4 << 20}))
	files, unicode, empty := 0, false, false
	var total int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if d.Type().IsRegular() {
			files++
			fi, _ := d.Info()
			total += fi.Size()
		}
		for _, r := range d.Name() {
			if r > 127 {
				unicode = true
			}
		}
		if d.IsDir() {
			if ents, _ := os.ReadDir(p); len(ents) == 0 {
				empty = true
			}
		}
		return nil
	})
	if files < 200 || !unicode || !empty || total < 3<<20 {
		t.Fatalf("demo: %d files, %d bytes, unicode %v, empty folder %v", files, total, unicode, empty)
	}
	if err := backup.GenerateDemo(t.TempDir(), backup.DemoOptions{}); err != nil {
		t.Fatalf("an empty folder may become a demo source: %v", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "mine.txt"), []byte("keep"), 0o644)
	if err := backup.GenerateDemo(other, backup.DemoOptions{}); err == nil {
		t.Fatal("a folder with someone's files was overwritten")
	}
}

// A demo source is replaced only while it holds nothing but what was generated: not
// once someone's file is in it, and not a backup of one (the marker is copied too).
func TestDemoSourceIsReplacedOnlyWhenUntouched(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	opt := backup.DemoOptions{Files: 60, Bytes: 1 << 20}
	must(t, backup.GenerateDemo(dir, opt))
	os.Remove(filepath.Join(dir, "notes.txt")) // a generated file deleted loses nothing
	if err := backup.GenerateDemo(dir, opt); err != nil {
		t.Fatalf("an untouched demo source was not replaced: %v", err)
	}
	var sub string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			sub = filepath.Join(dir, e.Name())
		}
	}
	mine := filepath.Join(sub, "mine.txt")
	write(t, mine, []byte("precious"), 0o644)
	err := backup.GenerateDemo(dir, opt)
	if err == nil || !strings.Contains(err.Error(), "mine.txt") || !backup.IsNotDemoSource(err) {
		t.Fatalf("a demo source holding someone's file: %v, want a refusal naming it", err)
	}
	if got, _ := os.ReadFile(mine); string(got) != "precious" {
		t.Fatal("the refusal deleted the file anyway")
	}
	os.Remove(mine)

	dst := filepath.Join(t.TempDir(), "backup")
	rep := run(t, backup.Options{Src: dir, Dst: dst, Workers: 2, Sup: newSup(t)})
	if rep.FilesFailed > 0 {
		t.Fatalf("backup of the demo source: %+v", rep.Errors)
	}
	if err := backup.GenerateDemo(dst, opt); err == nil {
		t.Fatal("a backup of a demo source was taken for a demo source and replaced")
	}
	if _, err := os.Stat(filepath.Join(dst, ".proclab")); err != nil {
		t.Fatalf("the backup's manifest folder is gone: %v", err)
	}
}

func TestCancelledRunLeavesNoTempAndRunningAgainResumes(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 200 {
		write(t, filepath.Join(src, fmt.Sprintf("f%03d.txt", i)), bytes.Repeat([]byte{byte(i)}, 5000), 0o644)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 2, Sup: newSup(t),
		SlowMotion: 5 * time.Millisecond})
	must(t, err)
	for r.Progress().FilesDone < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	r.Cancel()
	rep, err := r.Wait()
	must(t, err)
	if rep.Stopped != "cancelled" || rep.FilesCopied == 0 || rep.FilesCopied == 200 {
		t.Fatalf("cancelled run: stopped %q, %d copied", rep.Stopped, rep.FilesCopied)
	}
	for _, e := range rep.Errors {
		if e.Kind != backup.ErrNotCopied {
			t.Fatalf("a cancel should only leave files not copied, got %+v", e)
		}
	}
	if rep.SearchCut {
		t.Error("the search had found all 200 files before the cancel; the report says it had not")
	}
	if rep.FilesFailed != 0 || rep.FilesNotCopied != 200-rep.FilesCopied {
		t.Fatalf("cancelled run: %d failed, %d not copied; want 0 and %d", rep.FilesFailed, rep.FilesNotCopied, 200-rep.FilesCopied)
	}
	// Its line in runs.jsonl says how many were not copied, not each of them.
	runs, err := os.ReadFile(filepath.Join(dst, ".proclab", "runs.jsonl"))
	must(t, err)
	if bytes.Contains(runs, []byte(`"not-copied"`)) || !bytes.Contains(runs, []byte(fmt.Sprintf(`"files_not_copied":%d`, rep.FilesNotCopied))) {
		t.Fatalf("runs.jsonl after a cancel: %s", runs)
	}
	noTemps(t, dst)
	again := run(t, backup.Options{Src: src, Dst: dst})
	if again.FilesCopied != 200-rep.FilesCopied || !again.OK() {
		t.Fatalf("resume copied %d, want the %d left", again.FilesCopied, 200-rep.FilesCopied)
	}
	sameTree(t, src, dst)
}

// A run that ends cleanly leaves a mark, and the next run looks names up in the
// destination instead of listing its folders; a run that was stopped (or killed: the
// mark goes before anything is written) leaves none, so the next one lists them and
// removes the temporary files found.
func TestTheRunAfterAStoppedOneRemovesLeftoverTemps(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 200 {
		write(t, filepath.Join(src, "sub", fmt.Sprintf("f%03d.txt", i)), []byte{byte(i)}, 0o644)
	}
	write(t, filepath.Join(src, "top.txt"), []byte("top"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	mark := filepath.Join(dst, backup.MetaDir, "clean")
	// A user's file with a name like ours is left alone by a run that needs no sweep.
	users := filepath.Join(dst, "sub", ".notes.txt.mine.proclab.tmp")
	if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() {
		t.Fatalf("first run: %+v", rep.Errors)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("a clean run left no mark: %v", err)
	}
	write(t, users, []byte("mine"), 0o644)
	if rep := run(t, backup.Options{Src: src, Dst: dst}); rep.FilesCopied != 0 {
		t.Fatalf("no-change run copied %d", rep.FilesCopied)
	}
	if _, err := os.Stat(users); err != nil {
		t.Fatalf("a run after a clean one removed a file it had not written: %v", err)
	}
	must(t, os.Remove(users))

	// Change every file, stop a run part-way.
	for i := range 200 {
		write(t, filepath.Join(src, "sub", fmt.Sprintf("f%03d.txt", i)), []byte{byte(i), 1}, 0o644)
	}
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 2, Sup: newSup(t),
		SlowMotion: 5 * time.Millisecond})
	must(t, err)
	for r.Progress().FilesDone < 5 {
		time.Sleep(time.Millisecond)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the mark is still there while the run writes: a kill now would leave it")
	}
	r.Cancel()
	rep, err := r.Wait()
	must(t, err)
	if rep.Stopped == "" {
		t.Fatal("the run was not stopped")
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("a stopped run left the mark")
	}
	// What a killed run leaves where a file cannot be written without a name (FAT,
	// network disks): temporary files beside their final names.
	left := []string{filepath.Join(dst, "sub", ".f007.txt.0123abcd.proclab.tmp"), filepath.Join(dst, ".top.txt.0123abcd.proclab.tmp")}
	for _, p := range left {
		write(t, p, []byte("half"), 0o600)
	}
	if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() || rep.FilesCopied == 0 {
		t.Fatalf("resumed run: %d copied, errors %+v", rep.FilesCopied, rep.Errors)
	}
	noTemps(t, dst)
	sameTree(t, src, dst)
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("the resumed run ended cleanly and left no mark: %v", err)
	}
}

// A second run into a destination another is writing to is refused, saying so and
// writing nothing, and runs once the first has ended; a dry run only reads, so it runs.
func TestASecondRunIntoADestinationInUseIsRefused(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 100 {
		write(t, filepath.Join(src, fmt.Sprintf("f%03d.txt", i)), []byte{byte(i)}, 0o644)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	first, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 2, Sup: newSup(t),
		SlowMotion: 5 * time.Millisecond})
	must(t, err)
	for first.Progress().FilesDone < 2 {
		time.Sleep(time.Millisecond)
	}
	other := filepath.Join(t.TempDir(), "other")
	write(t, filepath.Join(other, "new.txt"), []byte("new"), 0o644)
	second, err := backup.Start(context.Background(), backup.Options{Src: other, Dst: dst, Workers: 1, Sup: newSup(t)})
	if err == nil {
		_, err = second.Wait()
		second.Progress() // a refused run has no report: this had panicked
	}
	if !backup.IsInputError(err) || !strings.Contains(err.Error(), "another backup is writing to "+dst) ||
		!strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second run into a destination in use: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dst, "new.txt")); err == nil {
		t.Error("the refused run wrote a file")
	}
	if dry := run(t, backup.Options{Src: other, Dst: dst, DryRun: true}); dry.Plan == nil {
		t.Error("a dry run was refused while a backup runs")
	}
	rep, err := first.Wait()
	must(t, err)
	if !rep.OK() || rep.FilesCopied != 100 {
		t.Fatalf("first run: %d copied, errors %+v", rep.FilesCopied, rep.Errors)
	}
	if again := run(t, backup.Options{Src: other, Dst: dst}); !again.OK() || again.FilesCopied != 1 {
		t.Fatalf("once the first had ended: %d copied, errors %+v", again.FilesCopied, again.Errors)
	}
}

// Cancel stops a big file part-way (within a megabyte), not after the rest of it: the
// temporary copy goes, the file is not copied, and the report says why the run stopped.
func TestCancelStopsABigFileMidCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.MkdirAll(src, 0o755))
	for _, name := range []string{"a.img", "b.img"} {
		emptyBigFile(t, filepath.Join(src, name), 512<<20)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 1, Sup: newSup(t)})
	must(t, err)
	started := func() bool {
		for _, w := range r.Progress().Workers {
			if w.FileDone > 0 {
				return true
			}
		}
		return false
	}
	for !started() {
		time.Sleep(time.Millisecond)
	}
	r.CancelBecause("killed from the Kill tab")
	rep, err := r.Wait()
	must(t, err)
	if rep.Stopped != "killed from the Kill tab" || rep.FilesCopied != 0 || rep.NotCopied() != 2 {
		t.Fatalf("stopped %q, %d copied, %d not copied; want the reason given, 0 and 2", rep.Stopped, rep.FilesCopied, rep.NotCopied())
	}
	noTemps(t, dst)
	for _, name := range []string{"a.img", "b.img"} {
		if _, err := os.Lstat(filepath.Join(dst, name)); err == nil {
			t.Errorf("%s is in place after a cancel during its copy", name)
		}
	}
}

// The Kill tab's Kill all cancels the run, then kills every worker at once: no
// replacement may start, though the pool may see the deaths before its stop.
func TestCancelThenKillingTheWorkersStartsNoReplacement(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 300 {
		write(t, filepath.Join(src, fmt.Sprintf("f%03d.txt", i)), []byte("x"), 0o644)
	}
	sup := newSup(t)
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "dst"),
		Workers: 3, Sup: sup, SlowMotion: 5 * time.Millisecond})
	must(t, err)
	for r.Progress().FilesDone < 10 {
		time.Sleep(time.Millisecond)
	}
	r.CancelBecause("its workers were killed from the Kill tab")
	sup.KillAll("killed by user (kill all)")
	rep, err := r.Wait()
	must(t, err)
	if n := len(sup.List()); n != 3 {
		t.Errorf("%d worker processes in all, want the 3 first (no replacement)", n)
	}
	if rep.Stopped != "its workers were killed from the Kill tab" || len(rep.WorkerDeaths) != 0 {
		t.Errorf("stopped %q, %d worker deaths; want the reason and none (they were stopped)", rep.Stopped, len(rep.WorkerDeaths))
	}
}

func TestSetUserIDFileOfAnotherOwnerKeepsOwnerAndMode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file another owner")
	}
	src := filepath.Join(t.TempDir(), "src")
	// A chown after the chmod would clear the set-user-ID bit.
	write(t, filepath.Join(src, "suid-tool"), []byte("#!/bin/sh\n"), 0o755)
	must(t, os.Lchown(filepath.Join(src, "suid-tool"), 1234, 5678))
	must(t, os.Chmod(filepath.Join(src, "suid-tool"), 0o755|fs.ModeSetuid|fs.ModeSetgid))
	write(t, filepath.Join(src, "plain.txt"), []byte("plain"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if !rep.OK() || rep.FilesCopied != 2 {
		t.Fatalf("copied %d, errors %v", rep.FilesCopied, rep.Errors)
	}
	sameTree(t, src, dst)
}

// A destination folder with the set-group-ID bit gives what is made in it the folder's
// group; as root, the copies still get their sources' owner and group (cp -a does), also
// the files owned by the user running the backup, which need no chown elsewhere.
func TestOwnersKeptInsideSetGroupIDDestination(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a folder another group")
	}
	src := filepath.Join(t.TempDir(), "src")
	write(t, filepath.Join(src, "mine.txt"), []byte("root's"), 0o644)
	write(t, filepath.Join(src, "sub", "also-mine.txt"), []byte("root's too"), 0o644)
	write(t, filepath.Join(src, "big.bin"), make([]byte, 9<<20), 0o644) // the copy library's path
	top := t.TempDir()
	must(t, os.Chown(top, 0, 65534))
	must(t, os.Chmod(top, 0o755|fs.ModeSetgid))
	dst := filepath.Join(top, "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if !rep.OK() {
		t.Fatalf("errors %v", rep.Errors)
	}
	for _, rel := range []string{"mine.txt", "sub/also-mine.txt", "big.bin", "sub"} {
		fi, err := os.Lstat(filepath.Join(dst, rel))
		must(t, err)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s is owned by %d:%d, want 0:0 as in the source", rel, st.Uid, st.Gid)
		}
	}
	// The folder made inside took the set-group-ID bit from its parent; its source has none.
	want, err := os.Lstat(filepath.Join(src, "sub"))
	must(t, err)
	if fi, err := os.Lstat(filepath.Join(dst, "sub")); err != nil || fi.Mode() != want.Mode() {
		t.Errorf("sub has mode %v (%v), want %v as in the source", fi.Mode(), err, want.Mode())
	}
}

// A worker's progress says how many files it holds: small files go by in batches
// faster than its current file is reported, and the window shows the batch instead.
func TestProgressCountsTheFilesAWorkerHolds(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 20 {
		write(t, filepath.Join(src, fmt.Sprintf("f%02d", i)), []byte("x"), 0o644)
	}
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "dst"),
		Workers: 1, Sup: newSup(t), SlowMotion: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Wait()
	defer r.Cancel()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, w := range r.Progress().Workers {
			if w.Holds > 0 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no worker was ever seen holding files")
}

func TestLinksMoveNoBytes(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	write(t, filepath.Join(src, "f"), []byte("a"), 0o644)
	must(t, os.Symlink(strings.Repeat("t", 1000), filepath.Join(src, "lnk")))
	dst := filepath.Join(t.TempDir(), "dst")
	dry := run(t, backup.Options{Src: src, Dst: dst, DryRun: true})
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if dry.Plan.BytesToCopy != 1 || rep.Plan.BytesToCopy != 1 || rep.BytesCopied != 1 || !rep.OK() {
		t.Fatalf("a 1-byte file and a link: dry run plans %d bytes, the run %d and copies %d; want 1 each",
			dry.Plan.BytesToCopy, rep.Plan.BytesToCopy, rep.BytesCopied)
	}
}

func TestDryRunWithVerifySaysItWouldCompareNotCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	write(t, filepath.Join(src, "a"), []byte("aa"), 0o644)
	write(t, filepath.Join(src, "b"), []byte("bbb"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	run(t, backup.Options{Src: src, Dst: dst})
	write(t, filepath.Join(src, "c"), []byte("c"), 0o644)
	rep := run(t, backup.Options{Src: src, Dst: dst, DryRun: true, Verify: true})
	if got, want := rep.DryRunLine(), "1 of 3 files would be copied (1 B), 2 compared by SHA-256 (5 B); 0 unchanged"; got != want {
		t.Fatalf("dry run with Verify: %q, want %q", got, want)
	}
}

func TestSourcesOwnMetaFolderIsNamedNotSilentlyLeftOut(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	write(t, filepath.Join(src, "a"), []byte("a"), 0o644)
	write(t, filepath.Join(src, ".proclab", "notes.txt"), []byte("mine"), 0o644)
	write(t, filepath.Join(src, "sub", ".proclab", "kept.txt"), []byte("kept"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	for _, dry := range []bool{true, false} {
		rep := run(t, backup.Options{Src: src, Dst: dst, DryRun: dry})
		if notes := strings.Join(rep.Notes(), "\n"); !strings.Contains(notes, "Not copied: the source's own .proclab folder") {
			t.Fatalf("dry run %v: notes %q do not say the source's .proclab was left out", dry, notes)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "sub", ".proclab", "kept.txt")); err != nil {
		t.Fatalf("a .proclab folder below the top is the user's and is copied: %v", err)
	}
}

func TestEachBigFileGetsItsOwnWorker(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for _, name := range []string{"a.bin", "b.bin"} {
		write(t, filepath.Join(src, name), bytes.Repeat([]byte(name[:1]), 9<<20), 0o644)
	}
	// A pause before each file gives the second worker time to start: without it, on a
	// busy machine the first finished both 9 MiB files (rightly) before the second was up.
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "dst"),
		Workers: 2, Sup: newSup(t), SlowMotion: time.Second})
	must(t, err)
	rep, err := r.Wait()
	must(t, err)
	ws := r.Progress().Workers
	if !rep.OK() || len(ws) != 2 {
		t.Fatalf("two 9 MiB files with 2 workers: %d workers, ok %v; want 2", len(ws), rep.OK())
	}
	for _, w := range ws {
		if w.Files != 1 {
			t.Fatalf("worker %d copied %d files; want each big file to its own worker", w.Worker, w.Files)
		}
	}
}

func TestETAOnceEveryFileIsCounted(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 200 {
		write(t, filepath.Join(src, fmt.Sprintf("f%03d.txt", i)), bytes.Repeat([]byte{byte(i)}, 2000), 0o644)
	}
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "dst"),
		Workers: 2, Sup: newSup(t), SlowMotion: 5 * time.Millisecond})
	must(t, err)
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := r.Progress()
		if p.Counting && p.ETA >= 0 {
			t.Fatalf("an ETA of %v while the walk still counts files", p.ETA)
		}
		// 200 files in one folder are counted long before 40 are copied in slow motion.
		if p.FilesDone >= 40 && p.FilesDone < 200 && p.Throughput > 0 {
			if p.Counting || p.ETA <= 0 {
				t.Fatalf("with every file counted: counting %v, ETA %v", p.Counting, p.ETA)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %+v", p)
		}
		time.Sleep(2 * time.Millisecond)
	}
	_, err = r.Wait()
	must(t, err)
}

func TestAStopDuringTheSearchSaysItsTotalsAreWhatItFound(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for d := range 300 {
		for f := range 10 {
			write(t, filepath.Join(src, fmt.Sprintf("d%03d", d), fmt.Sprintf("f%d", f)), []byte("x"), 0o644)
		}
	}
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "dst"),
		Workers: 2, Sup: newSup(t)})
	must(t, err)
	r.Cancel()
	rep, err := r.Wait()
	must(t, err)
	if rep.FilesTotal == 3000 {
		t.Skip("the search had found every file before the cancel; nothing to check")
	}
	if !rep.SearchCut || rep.Stopped == "" || !rep.Summary().SearchCut || rep.UpToDate() {
		t.Fatalf("cancelled mid-search with %d of 3000 files found: search_cut %v, stopped %q", rep.FilesTotal, rep.SearchCut, rep.Stopped)
	}
}

func TestManifestKeepsTheBytesOfANameThatIsNotUTF8(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	name := "bad\xff\xfename"
	write(t, filepath.Join(src, name), []byte("x"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if !rep.OK() || rep.FilesCopied != 1 {
		t.Fatalf("copied %d, errors %+v", rep.FilesCopied, rep.Errors)
	}
	b, err := os.ReadFile(filepath.Join(dst, ".proclab", "manifest.json"))
	must(t, err)
	var m struct {
		Files []struct {
			Path      string `json:"path"`
			PathBytes []byte `json:"path_bytes"`
		} `json:"files"`
	}
	must(t, json.Unmarshal(b, &m))
	if len(m.Files) != 1 || string(m.Files[0].PathBytes) != name {
		t.Fatalf("manifest files %+v; want the name's own bytes", m.Files)
	}
	if _, err := os.Stat(filepath.Join(dst, string(m.Files[0].PathBytes))); err != nil {
		t.Fatalf("the manifest's bytes name no file in the backup: %v", err)
	}
}

// A folder that cannot be made fails the run even when no file was in it: the run is
// not "up to date", and its failure is counted though it is no file.
func TestAFailedFolderAloneIsAFailureNotUpToDate(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.MkdirAll(filepath.Join(src, "empty"), 0o755))
	write(t, filepath.Join(src, "a.txt"), []byte("a"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() {
		t.Fatalf("first run: %+v", rep.Errors)
	}
	must(t, os.Remove(filepath.Join(dst, "empty")))
	write(t, filepath.Join(dst, "empty"), []byte("a file where the folder was"), 0o644)
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if rep.OK() || rep.UpToDate() || rep.Failures() != 1 || rep.FilesFailed != 0 {
		t.Fatalf("ok %v, up to date %v, failures %d, files failed %d, errors %+v; want one failure, the folder, and not up to date",
			rep.OK(), rep.UpToDate(), rep.Failures(), rep.FilesFailed, rep.Errors)
	}
	if got := rep.FailuresText(); got != "1 failure (0 files, 1 folder)" {
		t.Fatalf("failures in words %q; want the folder named", got)
	}
	if sum := rep.Summary(); sum.FoldersFailed != 1 || sum.FilesFailed != 0 || len(sum.Errors) != 1 {
		t.Fatalf("--json: %d files and %d folders failed, %d errors; want the folder counted beside its error",
			sum.FilesFailed, sum.FoldersFailed, len(sum.Errors))
	}
}

// fatDisk mounts a small FAT file system for the test, through FUSE (this kernel has no
// vfat; Debian's fusefat and dosfstools): a USB stick's file system, which holds no
// modes or owners.
func fatDisk(t *testing.T) string {
	return fuseDisk(t, "dosfstools fusefat", 32<<20, []string{"mkfs.vfat"}, []string{"fusefat", "-o", "rw+"})
}

// ntfsDisk mounts a small NTFS file system through FUSE (Debian's ntfs-3g): the
// Windows-formatted external disk a Linux user often backs up to. It keeps times in
// steps of 100 ns.
func ntfsDisk(t *testing.T) string {
	return fuseDisk(t, "ntfs-3g", 64<<20, []string{"mkntfs", "-F", "-Q", "-q"}, []string{"ntfs-3g"})
}

// fuseDisk makes a disk image of size bytes with the mkfs command line and mounts it
// through FUSE with the mount one, for the test's life; pkgs are the Debian packages
// that have both.
func fuseDisk(t *testing.T, pkgs string, size int64, mkfs, mount []string) string {
	for _, tool := range []string{mkfs[0], mount[0], "fusermount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to make the disk with (apt-get install %s)", tool, pkgs)
		}
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "disk.img"), filepath.Join(dir, "mnt")
	must(t, os.Mkdir(mnt, 0o755))
	f, err := os.Create(img)
	must(t, err)
	must(t, f.Truncate(size))
	must(t, f.Close())
	if out, err := exec.Command(mkfs[0], append(mkfs[1:], img)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v %s", mkfs[0], err, out)
	}
	if out, err := exec.Command(mount[0], append(mount[1:], img, mnt)...).CombinedOutput(); err != nil {
		t.Skipf("cannot mount the disk image through FUSE here (needs /dev/fuse): %v %s", err, out)
	}
	t.Cleanup(func() { unmount(mnt) })
	return mnt
}

// unmount takes a FUSE mount down, waiting for a file system still busy with the run's
// last closes.
func unmount(mnt string) {
	for range 100 {
		if exec.Command("fusermount", "-u", mnt).Run() == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	exec.Command("fusermount", "-u", "-z", mnt).Run()
}

// A FAT stick refuses links, and fusefat refuses names outside ASCII with EPERM: each is
// reported with its own cause (not "check that your user may write"), and the rest of
// the backup goes on.
func TestFATDestinationSaysWhichNamesAndLinksItCannotHold(t *testing.T) {
	dst := filepath.Join(fatDisk(t), "backup")
	src := t.TempDir()
	write(t, filepath.Join(src, "plain.txt"), []byte("plain"), 0o644)
	write(t, filepath.Join(src, "café.txt"), []byte("accent"), 0o644)
	write(t, filepath.Join(src, "données", "inner.txt"), []byte("inside"), 0o644)
	// Many in one folder, for two workers: both had probed the folder at once, under
	// one name, and one of them had blamed the user's rights.
	for i := range 24 {
		write(t, filepath.Join(src, fmt.Sprintf("résumé %02d.txt", i)), []byte("accent"), 0o644)
	}
	must(t, os.Symlink("plain.txt", filepath.Join(src, "link")))
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 2})
	kinds := map[string]backup.ErrKind{}
	for _, e := range rep.Errors {
		kinds[e.Path] = e.Kind
		if strings.Contains(e.Msg, "check that your user") {
			t.Errorf("%s: %q blames the user's rights", e.Path, e.Msg)
		}
	}
	if kinds["link"] != backup.ErrSymlink {
		t.Errorf("the link: %q, want %q; errors %+v", kinds["link"], backup.ErrSymlink, rep.Errors)
	}
	for i := range 24 {
		if k := kinds[fmt.Sprintf("résumé %02d.txt", i)]; k != backup.ErrBadName && k != "" {
			t.Errorf("résumé %02d.txt: %q, want %q", i, k, backup.ErrBadName)
		}
	}
	if kinds["café.txt"] != backup.ErrBadName || kinds["données"] != backup.ErrBadName {
		if _, err := os.Stat(filepath.Join(dst, "café.txt")); err == nil {
			t.Skip("this fusefat takes names outside ASCII")
		}
		t.Errorf("names outside ASCII: %q and %q, want %q; errors %+v", kinds["café.txt"], kinds["données"], backup.ErrBadName, rep.Errors)
	}
	if got, err := os.ReadFile(filepath.Join(dst, "plain.txt")); err != nil || string(got) != "plain" {
		t.Errorf("plain.txt was not backed up beside them: %q, %v", got, err)
	}
	noTemps(t, dst)
}

// The names of one file in the source (hard links) are names of one copy, as cp -a and
// rsync -H keep them: a folder of snapshots linked to each other (rsnapshot's, say) had
// been copied once per name and could fill the disk. A changed file keeps its names
// together, and a disk that holds no hard links (FAT) gets each name as a copy.
func TestHardLinksStayLinks(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "backup")
	names := []string{"a.txt", "b.txt", "sub/c.txt", "sub/ro/d.txt"}
	write(t, filepath.Join(src, names[0]), []byte("shared"), 0o640)
	must(t, os.MkdirAll(filepath.Join(src, "sub", "ro"), 0o755))
	for _, name := range names[1:] {
		must(t, os.Link(filepath.Join(src, names[0]), filepath.Join(src, name)))
	}
	write(t, filepath.Join(src, "sub", "own.txt"), []byte("own"), 0o644)
	// The links are made last in the run: their folders' times and modes must still
	// be the source's.
	must(t, os.Chmod(filepath.Join(src, "sub", "ro"), 0o555))
	for _, d := range []string{"sub/ro", "sub", "."} {
		must(t, os.Chtimes(filepath.Join(src, d), past, past))
	}
	linked := func(dst, content string, wantLinked bool) {
		t.Helper()
		first, err := os.Stat(filepath.Join(dst, names[0]))
		must(t, err)
		for _, name := range names {
			fi, err := os.Stat(filepath.Join(dst, name))
			must(t, err)
			if got, _ := os.ReadFile(filepath.Join(dst, name)); string(got) != content {
				t.Errorf("%s holds %q, want %q", name, got, content)
			}
			if name != names[0] && os.SameFile(first, fi) != wantLinked {
				t.Errorf("%s is a link of %s: %v, want %v", name, names[0], !wantLinked, wantLinked)
			}
		}
		if own, err := os.Stat(filepath.Join(dst, "sub", "own.txt")); err != nil || os.SameFile(first, own) {
			t.Errorf("sub/own.txt: %v, or made a link of %s", err, names[0])
		}
	}

	// A dry run plans the bytes the run writes: the file's once.
	if sum := run(t, backup.Options{Src: src, Dst: dst, DryRun: true}).Summary(); sum.FilesPlanned != 5 || sum.BytesPlanned != int64(len("shared")+len("own")) {
		t.Errorf("dry run: %d files and %d bytes planned, want 5 and 9", sum.FilesPlanned, sum.BytesPlanned)
	}
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 2})
	if rep.FilesCopied != 5 || rep.HardLinks != 3 || rep.BytesCopied != int64(len("shared")+len("own")) || len(rep.Errors) != 0 {
		t.Fatalf("first run: copied %d, hard links %d, bytes %d, errors %+v; want 5, 3, 9 and none",
			rep.FilesCopied, rep.HardLinks, rep.BytesCopied, rep.Errors)
	}
	linked(dst, "shared", true)
	sameTree(t, src, dst)
	if rep := run(t, backup.Options{Src: src, Dst: dst}); rep.FilesCopied != 0 {
		t.Fatalf("second run copied %d files, want 0", rep.FilesCopied)
	}

	// Written through one name, the file changed under all of them.
	must(t, os.WriteFile(filepath.Join(src, "b.txt"), []byte("changed!"), 0o640))
	must(t, os.Chtimes(filepath.Join(src, "b.txt"), past, past.Add(time.Hour)))
	for _, d := range []string{"sub/ro", "sub", "."} {
		must(t, os.Chtimes(filepath.Join(src, d), past, past))
	}
	rep = run(t, backup.Options{Src: src, Dst: dst, Workers: 2, Verify: true})
	if rep.FilesCopied != 4 || rep.HardLinks != 3 || len(rep.Errors) != 0 {
		t.Fatalf("run after a change: copied %d, hard links %d, errors %+v; want 4, 3 and none", rep.FilesCopied, rep.HardLinks, rep.Errors)
	}
	linked(dst, "changed!", true)
	sameTree(t, src, dst)

	// The bytes bar ends full: a link writes no bytes, and is not waited for as if it did.
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "x"), Workers: 2, Sup: newSup(t)})
	must(t, err)
	if _, err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if pr := r.Progress(); pr.BytesToDo != int64(len("changed!")+len("own")) || pr.BytesDone != pr.BytesToDo {
		t.Errorf("progress at the end: %d of %d bytes, want %d of %d", pr.BytesDone, pr.BytesToDo, len("changed!")+len("own"), len("changed!")+len("own"))
	}

	// FAT holds no hard links: each name is copied on its own, and nothing fails.
	fat := filepath.Join(fatDisk(t), "backup")
	rep = run(t, backup.Options{Src: src, Dst: fat, Workers: 2})
	if rep.FilesCopied != 5 || rep.HardLinks != 0 || len(rep.Errors) != 0 {
		t.Fatalf("onto FAT: copied %d, hard links %d, errors %+v; want 5 copies and no error", rep.FilesCopied, rep.HardLinks, rep.Errors)
	}
	linked(fat, "changed!", false)
	noTemps(t, fat)
}

// A file over FAT's 4 GiB is refused by the plan, dry run included, with what to do: it
// had been refused only after 4 GiB of it was written, holding that room meanwhile, so
// on a small stick the files beside it failed for a full disk.
func TestFileOverFATLimitIsRefusedByThePlan(t *testing.T) {
	dst := filepath.Join(fatDisk(t), "backup")
	src := t.TempDir()
	write(t, filepath.Join(src, "small.txt"), []byte("small"), 0o644)
	f, err := os.Create(filepath.Join(src, "video.mkv"))
	must(t, err)
	must(t, f.Truncate(1<<32)) // one byte over, and a hole: no room taken here
	must(t, f.Close())
	for _, dry := range []bool{true, false} {
		rep := run(t, backup.Options{Src: src, Dst: dst, DryRun: dry})
		if len(rep.Errors) != 1 || rep.Errors[0].Path != "video.mkv" || rep.Errors[0].Kind != backup.ErrTooBig ||
			!strings.Contains(rep.Errors[0].Msg, "4 GiB") || !strings.Contains(rep.Errors[0].Msg, "exFAT") {
			t.Fatalf("dry run %v: errors %+v, want video.mkv refused as too big for FAT, saying what to do", dry, rep.Errors)
		}
		if rep.NoRoom != "" || rep.Stopped != "" {
			t.Errorf("dry run %v: the refused file was counted against the room: %q %q", dry, rep.NoRoom, rep.Stopped)
		}
	}
	if got, err := os.ReadFile(filepath.Join(dst, "small.txt")); err != nil || string(got) != "small" {
		t.Errorf("small.txt was not backed up beside it: %q, %v", got, err)
	}
	if _, err := os.Lstat(filepath.Join(dst, "video.mkv")); err == nil {
		t.Errorf("video.mkv is at the destination")
	}
	noTemps(t, dst)

	// Onto a disk without the limit, the same file is planned as a copy.
	plan, err := backup.MakePlan(src, t.TempDir(), false)
	must(t, err)
	for _, it := range plan.Files {
		if it.Err != nil {
			t.Errorf("onto this machine's disk: %s refused: %v", it.Rel, it.Err)
		}
	}
}

// A FAT stick finds a name in any case: of two source names that differ only in case,
// one is backed up and the other is an error that says why, every run, instead of the
// second copy overwriting the first (and both being recopied at each run).
func TestNamesThatDifferOnlyInCaseOntoFAT(t *testing.T) {
	dst := filepath.Join(fatDisk(t), "backup")
	src := t.TempDir()
	write(t, filepath.Join(src, "README.md"), []byte("upper"), 0o644)
	write(t, filepath.Join(src, "Readme.md"), []byte("mixed"), 0o644)
	write(t, filepath.Join(src, "Docs", "a.txt"), []byte("a"), 0o644)
	write(t, filepath.Join(src, "docs", "b.txt"), []byte("b"), 0o644)
	write(t, filepath.Join(src, "other.txt"), []byte("other"), 0o644)
	for i, wantCopied := range []int{3, 0} {
		rep := run(t, backup.Options{Src: src, Dst: dst})
		failed := map[string]backup.ErrKind{}
		for _, e := range rep.Errors {
			failed[e.Path] = e.Kind
		}
		if failed["Readme.md"] != backup.ErrBadName || failed["docs"] != backup.ErrBadName || failed["docs/b.txt"] == "" || len(failed) != 3 {
			t.Fatalf("run %d: errors %+v; want Readme.md and docs refused for their case, and docs/b.txt not backed up", i+1, rep.Errors)
		}
		if rep.FilesCopied != wantCopied {
			t.Errorf("run %d: %s; want %d copied", i+1, rep.Counts(), wantCopied)
		}
	}
	for rel, want := range map[string]string{"README.md": "upper", "Docs/a.txt": "a", "other.txt": "other"} {
		if got, err := os.ReadFile(filepath.Join(dst, rel)); err != nil || string(got) != want {
			t.Errorf("%s holds %q (%v), want %q", rel, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "Docs", "b.txt")); err == nil {
		t.Errorf("docs/b.txt went into Docs")
	}
}

// fusefat's FAT32 reports no size at all (statfs: 0 blocks). Its room is unknown, not
// nil: the backup goes ahead, and a disk that fills stops it as it happens.
func TestDiskOfUnknownSizeIsNotCalledTooSmall(t *testing.T) {
	mnt := fuseDisk(t, "dosfstools fusefat", 256<<20, []string{"mkfs.vfat", "-F", "32"}, []string{"fusefat", "-o", "rw+"})
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil || st.Blocks != 0 {
		t.Skipf("this fusefat reports the FAT32 disk's size (%d blocks, %v): nothing unknown to test", st.Blocks, err)
	}
	src := t.TempDir()
	write(t, filepath.Join(src, "a.txt"), []byte("a file"), 0o644)
	if rep := run(t, backup.Options{Src: src, Dst: filepath.Join(mnt, "backup")}); !rep.OK() || rep.FilesCopied != 1 {
		t.Fatalf("onto a disk of unknown size: %s, stopped %q; want the file copied", rep.Counts(), rep.Stopped)
	}
}

// NTFS keeps a copy's time to 100 ns, a FAT stick to 2 s: the next run must still find
// every file unchanged, and a file changed since must still be copied.
func TestSecondRunOntoNTFSAndFATCopiesNothing(t *testing.T) {
	for _, disk := range []struct {
		name  string
		mount func(*testing.T) string
	}{{"NTFS", ntfsDisk}, {"FAT", fatDisk}} {
		t.Run(disk.name, func(t *testing.T) {
			dst := filepath.Join(disk.mount(t), "backup")
			src := t.TempDir()
			at := time.Date(2026, 11, 26, 10, 32, 41, 760938391, time.Local)
			for _, rel := range []string{"a.txt", "docs/b.txt", "docs/c.txt"} {
				write(t, filepath.Join(src, rel), []byte("contents of "+rel), 0o644)
				must(t, os.Chtimes(filepath.Join(src, rel), at, at))
			}
			if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() || rep.FilesCopied != 3 {
				t.Fatalf("first run: %s; errors %v", rep.Counts(), rep.Errors)
			}
			if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() || rep.FilesCopied != 0 || rep.FilesSkipped != 3 {
				t.Fatalf("second run: %s; want every file found unchanged", rep.Counts())
			}
			write(t, filepath.Join(src, "docs/b.txt"), []byte("CONTENTS OF docs/b.txt"), 0o644) // same size, a new time
			if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() || rep.FilesCopied != 1 {
				t.Fatalf("after a change: %s; want the changed file copied", rep.Counts())
			}
			if got, _ := os.ReadFile(filepath.Join(dst, "docs/b.txt")); string(got) != "CONTENTS OF docs/b.txt" {
				t.Fatalf("the changed file's copy holds %q", got)
			}
		})
	}
}

// A FAT stick holds no modes or owners: the files are backed up all the same, with
// their contents, and the report says what the destination could not keep.
func TestFATDestinationTakesTheFilesAndSaysModesAreNotKept(t *testing.T) {
	dst := filepath.Join(fatDisk(t), "backup")
	src := t.TempDir()
	write(t, filepath.Join(src, "notes.txt"), []byte("plain"), 0o644)
	write(t, filepath.Join(src, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	write(t, filepath.Join(src, "private", "key.pem"), []byte("secret"), 0o600)
	write(t, filepath.Join(src, "private", "big.bin"), bytes.Repeat([]byte("b"), 9<<20), 0o640)
	must(t, os.Chmod(filepath.Join(src, "private"), 0o750))
	rep := run(t, backup.Options{Src: src, Dst: dst})
	if !rep.OK() || rep.FilesCopied != 4 {
		t.Fatalf("onto FAT: %s; errors %v", rep.Counts(), rep.Errors)
	}
	if rep.ModesNotKept == 0 {
		t.Errorf("no entry counted whose mode the FAT disk could not hold")
	}
	if notes := strings.Join(rep.Notes(), "\n"); !strings.Contains(notes, "cannot hold permissions") {
		t.Errorf("notes %q do not say the permissions were not kept", notes)
	}
	for _, rel := range []string{"notes.txt", "run.sh", "private/key.pem", "private/big.bin"} {
		a, err1 := os.ReadFile(filepath.Join(src, rel))
		b, err2 := os.ReadFile(filepath.Join(dst, rel))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the copy differs from the source (%v, %v)", rel, err1, err2)
		}
	}
	noTemps(t, dst)
}
