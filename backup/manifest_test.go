package backup

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The manifest's file list is written by hand where it can be; every record reads back
// as encoding/json writes it, escapes and all.
func TestManifestFilesAreWhatJSONWrites(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	when := time.Date(2026, 11, 26, 12, 30, 15, 123456789, time.UTC)
	recs := []FileRecord{
		{Path: "a/b.txt", Kind: "file", Size: 12, Mtime: when, Status: "copied"},
		{Path: "round.txt", Kind: "file", Mtime: time.Date(2026, 1, 2, 3, 4, 5, 0, berlin), Status: "skipped"},
		{Path: "m", Kind: "named pipe", Mtime: when.In(time.FixedZone("", -(9*3600 + 30*60))), Status: "failed", Why: "mode or time differs"},
		{Path: "h/x", Kind: "file", Size: 1 << 40, Mtime: when, Status: "verified", Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{Path: "h/y", Kind: "file", Size: 3, Mtime: when, Status: "copied", HardLinkOf: "h/x"},
		{Path: "Ünïcødé/日本語.txt", Kind: "file", Mtime: when, Status: "copied"},
		{Path: `q"uote\back`, Kind: "file", Mtime: when, Status: "copied"},
		{Path: "<b>&amp;</b>", Kind: "file", Mtime: when, Status: "copied", Why: "a < b & c > d"},
		{Path: "tab\there\nline\x7f", Kind: "file", Mtime: when, Status: "copied"},
		{Path: "bad\ufffd", PathBytes: []byte("bad\xff"), Kind: "file", Mtime: when, Status: "failed"},
		{Path: "sep\u2028", Kind: "file", Mtime: when, Status: "copied"},
		{Path: "zero", Kind: "folder", Status: "copied"},
		{Path: "", Kind: "file", Size: -1, Mtime: when, Status: ""},
	}
	r := &Report{Files: recs}
	got := r.encodeFiles()
	var want bytes.Buffer
	for i := range recs {
		if i > 0 {
			want.WriteByte(',')
		}
		want.WriteByte('\n')
		line, err := json.Marshal(&recs[i])
		if err != nil {
			t.Fatal(err)
		}
		want.Write(line)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("file list:\n%s\nencoding/json writes:\n%s", got, want.Bytes())
	}
	if _, ok := appendRecord(nil, &recs[0]); !ok {
		t.Error("a plain record was not written by hand")
	}
}

func BenchmarkManifestFiles(b *testing.B) {
	r := &Report{Files: make([]FileRecord, 10000)}
	for i := range r.Files {
		r.Files[i] = FileRecord{Path: "src/cmd/compile/internal/ssa/rewrite.go", Kind: "file", Size: 123456,
			Mtime: time.Now(), Status: "skipped"}
	}
	b.ReportAllocs()
	for b.Loop() {
		r.encodeFiles()
	}
}
