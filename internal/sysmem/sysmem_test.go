package sysmem

import (
	"runtime"
	"testing"
)

func TestTotalIsThisMachines(t *testing.T) {
	n := Total()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		if n != 0 {
			t.Fatalf("Total() = %d on %s, want 0 (not known)", n, runtime.GOOS)
		}
		return
	}
	// Any machine that runs this has more than 64 MiB and less than 64 TiB.
	if n < 64<<20 || n > 64<<40 {
		t.Fatalf("Total() = %d bytes", n)
	}
}
