package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"dev.proclab/internal/sysmem"
)

// The command line's backup collects no garbage until its heap nears a quarter of the
// machine's memory: its heap is the plan, which lives to the end, and collecting it as it
// grew cost 15% of a run's CPU.
func TestBackupCollectsOnlyNearItsLimit(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := runMain(Meta{Name: "ProcLab", ID: "dev.proclab.test"}, []string{"backup", src, dst}, &out); code != 0 {
		t.Fatalf("backup exited %d: %s", code, out.String())
	}
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64) // as a test binary has them
	if percent != -1 || limit != gcLimit(sysmem.Total()) {
		t.Errorf("after a backup: GC percent %d, memory limit %d; want -1 and %d", percent, limit, gcLimit(sysmem.Total()))
	}
	for _, c := range []struct{ total, want uint64 }{{0, 1 << 30}, {512 << 20, 256 << 20}, {16 << 30, 4 << 30}} {
		if got := gcLimit(c.total); got != int64(c.want) {
			t.Errorf("gcLimit(%d) = %d, want %d", c.total, got, c.want)
		}
	}
}
