package backup

import (
	"testing"
	"time"
)

// A copy's time as each destination file system keeps it is the same time; a time that
// differs by more than that file system's step is a change.
func TestSameTimeToleratesTheDestinationsStep(t *testing.T) {
	src := time.Date(2026, 11, 26, 10, 32, 41, 760938391, time.UTC)
	for _, c := range []struct {
		name string
		dst  time.Time
		same bool
	}{
		{"ext4, exact", src, true},
		{"NTFS, 100 ns down", time.Date(2026, 11, 26, 10, 32, 41, 760938300, time.UTC), true},
		{"exFAT, 10 ms down", time.Date(2026, 11, 26, 10, 32, 41, 760000000, time.UTC), true},
		{"HFS+, whole second down", time.Date(2026, 11, 26, 10, 32, 41, 0, time.UTC), true},
		{"FAT on Linux, 2 s down", time.Date(2026, 11, 26, 10, 32, 40, 0, time.UTC), true},
		{"FAT on Windows, 2 s up", time.Date(2026, 11, 26, 10, 32, 42, 0, time.UTC), true},
		{"a change of 1 ns", src.Add(time.Nanosecond), false},
		{"a change of 150 ns, off NTFS's step", time.Date(2026, 11, 26, 10, 32, 41, 760938541, time.UTC), false},
		{"a change of 20 ms on a 10 ms step", time.Date(2026, 11, 26, 10, 32, 41, 740000000, time.UTC), false},
		{"an odd second 1.76 s away", time.Date(2026, 11, 26, 10, 32, 39, 0, time.UTC), false},
		{"an even second 2.76 s away", time.Date(2026, 11, 26, 10, 32, 38, 0, time.UTC), false},
		{"a day earlier", src.Add(-24 * time.Hour), false},
	} {
		if got := sameTime(src, c.dst); got != c.same {
			t.Errorf("%s: sameTime = %v, want %v", c.name, got, c.same)
		}
	}
	// A source on a whole second (a FAT or HFS+ source) and its exact copy.
	whole := time.Date(1999, 1, 1, 0, 0, 1, 0, time.UTC)
	if !sameTime(whole, whole) || sameTime(whole, whole.Add(2*time.Second)) {
		t.Errorf("whole-second source: exact copy or a 2 s change misjudged")
	}
	// Before 1970 and past 2262 (UnixNano's range), where FAT cannot go but ext4 can.
	for _, at := range []time.Time{time.Date(1601, 1, 1, 0, 0, 0, 123456789, time.UTC), time.Date(2400, 1, 1, 0, 0, 0, 123456789, time.UTC)} {
		if !sameTime(at, at.Truncate(100*time.Nanosecond)) || sameTime(at, at.Add(time.Second)) {
			t.Errorf("%v: its NTFS copy or a 1 s change misjudged", at)
		}
	}
}
