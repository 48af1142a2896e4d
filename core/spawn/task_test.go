package spawn

import "testing"

// Known values: π(10^7) = 664,579; π(100) = 25; the longest Collatz chain below a
// million starts at 837,799 (524 steps).
func TestTasksKnownValues(t *testing.T) {
	cases := []struct {
		task string
		size int64
		want Partial
	}{
		{"primes", 100, Partial{N: 25}},
		{"primes", 10_000_000, Partial{N: 664_579}},
		{"primes", 3, Partial{N: 1}},
		{"collatz", 1_000_000, Partial{N: 524, At: 837_799}},
	}
	for _, c := range cases {
		if got := FindTask(c.task).Single(c.size); got != c.want {
			t.Errorf("%s(%d) = %+v, want %+v", c.task, c.size, got, c.want)
		}
	}
}

func TestEverySplitAgreesExactlyWithOneChunk(t *testing.T) {
	sizes := map[string]int64{"primes": 1_234_567, "pi": 300_001, "collatz": 200_003}
	for _, task := range Tasks {
		size := sizes[task.Name]
		want := task.Single(size)
		for n := 1; n <= 9; n++ {
			var parts []Partial
			for _, c := range task.Split(size, n) {
				p, ok := task.Run(c, nil, nil)
				if !ok {
					t.Fatal("stopped without a stop request")
				}
				parts = append(parts, p)
			}
			if got := task.Combine(parts); got != want {
				t.Errorf("%s split %d ways = %+v, one chunk = %+v", task.Name, n, got, want)
			}
		}
	}
}

func TestSplitCoversTheRangeWithoutGapsOrOverlaps(t *testing.T) {
	for _, task := range Tasks {
		cs := task.Split(1001, 7)
		if cs[0].Lo != task.start || cs[len(cs)-1].Hi != 1001 {
			t.Fatalf("%s: chunks %v do not cover [%d, 1001)", task.Name, cs, task.start)
		}
		for i := 1; i < len(cs); i++ {
			if cs[i].Lo != cs[i-1].Hi {
				t.Fatalf("%s: gap or overlap at chunk %d: %v", task.Name, i, cs)
			}
		}
	}
}

func TestSweepCounts(t *testing.T) {
	for most, want := range map[int][]int{1: {1}, 2: {1, 2}, 4: {1, 2, 4}, 6: {1, 2, 4, 6}, 8: {1, 2, 4, 8}} {
		got := SweepCounts(most)
		if len(got) != len(want) {
			t.Fatalf("SweepCounts(%d) = %v, want %v", most, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("SweepCounts(%d) = %v, want %v", most, got, want)
			}
		}
	}
}
