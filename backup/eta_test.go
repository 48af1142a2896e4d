package backup

import (
	"testing"
	"time"
)

// With many workers, the small files all done and one big file in hand, the files'
// rate is still high from a moment ago: the estimate had said under a second for a
// file that needed 3 s more.
func TestETAWaitsForTheBigFileInHand(t *testing.T) {
	const mib = 1 << 20
	pr := Progress{
		FilesToDo: 1000, FilesDone: 999,
		BytesToDo: 400 * mib, BytesDone: 250 * mib,
		Throughput: 200 * mib,
		Workers: []WorkerProgress{
			{Worker: 1, File: "disk.img", FileSize: 300 * mib, FileDone: 150 * mib, FileRate: 50 * mib},
			{Worker: 2}, {Worker: 3, Ended: true, FileSize: 900 * mib, FileRate: 1},
		},
	}
	got := estimateETA(pr, 300)
	if got < 3*time.Second || got > 3100*time.Millisecond {
		t.Fatalf("ETA %v, want 3 s: 150 MiB left of the big file at 50 MiB/s", got)
	}
	pr.Workers[0].FileRate = 0 // its speed not known yet: the blend alone
	if blend := estimateETA(pr, 300); blend <= 0 || blend >= got {
		t.Fatalf("without the file's rate: ETA %v, want the shorter blend of bytes and files", blend)
	}
	if none := estimateETA(Progress{}, 0); none != -1 {
		t.Fatalf("with nothing to go on: ETA %v, want -1", none)
	}
}
