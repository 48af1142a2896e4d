package backup

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LastRun reads the file's end only, and further back when the last line is longer
// than its first read.
func TestLastRunReadsALastLineLongerThanItsFirstRead(t *testing.T) {
	dst := t.TempDir()
	if err := os.Mkdir(filepath.Join(dst, MetaDir), 0o755); err != nil {
		t.Fatal(err)
	}
	var lines []byte
	for _, src := range []string{"/first", "/" + strings.Repeat("long/", 40_000)} {
		b, err := json.Marshal(&Report{RunID: "run " + src[:6], Source: src})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dst, MetaDir, "runs.jsonl"), lines, 0o644); err != nil {
		t.Fatal(err)
	}
	last, err := LastRun(dst)
	if err != nil || last == nil {
		t.Fatalf("LastRun: %+v, %v", last, err)
	}
	if !strings.HasPrefix(last.Source, "/long/long/") || len(last.Source) != 1+5*40_000 {
		t.Fatalf("LastRun gave the run of a %d-byte source, want the last line's", len(last.Source))
	}
}
