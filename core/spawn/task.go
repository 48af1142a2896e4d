package spawn

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"dev.proclab/internal/numfmt"
)

// Chunk is one worker's share of a task: the half-open range [Lo, Hi) of the task's
// numbers (candidates for primes, sample indices for π, starting values for Collatz).
type Chunk struct {
	Index int   `json:"index"`
	Lo    int64 `json:"lo"`
	Hi    int64 `json:"hi"`
}

// Len is how many numbers the chunk covers.
func (c Chunk) Len() int64 { return c.Hi - c.Lo }

// Partial is what a chunk computes. Every task fits in two integers, so results cross
// the pipe exactly and compare exactly with a single-process run.
type Partial struct {
	N  int64 `json:"n"`  // primes: count; pi: hits inside the circle; collatz: longest chain's steps
	At int64 `json:"at"` // collatz: the start value with that chain (smallest on ties)
}

// Task is a CPU-bound job that splits into independent chunks.
type Task struct {
	Name        string // for the command line and the worker role
	Title       string
	SizeLabel   string // what Size counts, e.g. "numbers below"
	DefaultSize int64
	// MaxSize keeps a run's memory small and its arithmetic exact: the sieve holds
	// √size bytes, and Collatz values must not overflow 64 bits.
	MaxSize int64
	// run computes [lo, hi), calling progress(done) now and then with how many numbers
	// are done; it returns early (ok=false) when stop reports true.
	run func(lo, hi int64, progress func(done int64), stop func() bool) (p Partial, ok bool)
	// combine folds two partials; it must not depend on the split.
	combine func(a, b Partial) Partial
	// Describe turns the combined result into a sentence.
	Describe func(size int64, p Partial) string
	// partial says what one chunk found, briefly.
	partial func(p Partial) string
	// start is the first number of the range (collatz starts at 1).
	start int64
}

// Tasks lists what the Spawn tab offers, in display order.
var Tasks = []*Task{primesTask, piTask, collatzTask}

// FindTask returns the task called name, or nil.
func FindTask(name string) *Task {
	for _, t := range Tasks {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// Split cuts the task's range for size into n chunks of near-equal length.
func (t *Task) Split(size int64, n int) []Chunk {
	lo := t.start
	if size < lo {
		size = lo
	}
	total := size - lo
	out := make([]Chunk, n)
	for i := range n {
		a := lo + total*int64(i)/int64(n)
		b := lo + total*int64(i+1)/int64(n)
		out[i] = Chunk{Index: i, Lo: a, Hi: b}
	}
	return out
}

// Units is how many numbers size covers in all.
func (t *Task) Units(size int64) int64 { return max(size-t.start, 0) }

// Run computes one chunk.
func (t *Task) Run(c Chunk, progress func(done int64), stop func() bool) (Partial, bool) {
	if progress == nil {
		progress = func(int64) {}
	}
	if stop == nil {
		stop = func() bool { return false }
	}
	return t.run(c.Lo, c.Hi, progress, stop)
}

// Combine folds partials in chunk order.
func (t *Task) Combine(ps []Partial) Partial {
	var acc Partial
	for i, p := range ps {
		if i == 0 {
			acc = p
			continue
		}
		acc = t.combine(acc, p)
	}
	return acc
}

// PartialText says what one chunk found, briefly, for a table cell.
func (t *Task) PartialText(p Partial) string { return t.partial(p) }

// Single computes the whole task in the calling goroutine: the reference result.
func (t *Task) Single(size int64) Partial {
	p, _ := t.Run(t.Split(size, 1)[0], nil, nil)
	return p
}

func sum(a, b Partial) Partial { return Partial{N: a.N + b.N} }

// ---- primes: a segmented sieve of Eratosthenes over odd numbers ----

var primesTask = &Task{
	Name: "primes", Title: "Count primes", SizeLabel: "numbers below", DefaultSize: 2_000_000_000,
	MaxSize: 1_000_000_000_000, // a 1 MB sieve; about 20 minutes for one process here
	run:     countPrimes, combine: sum,
	Describe: func(size int64, p Partial) string {
		return fmt.Sprintf("%s primes below %s", numfmt.Thousands(p.N), numfmt.Thousands(size))
	},
	partial: func(p Partial) string { return numfmt.Thousands(p.N) + " primes" },
}

const segBytes = 1 << 17 // odd numbers per segment: fits in L2

// countPrimes counts primes in [lo, hi). Each segment is sieved with the base primes up
// to √hi, so the cost per number is nearly flat and equal ranges make equal work.
func countPrimes(lo, hi int64, progress func(int64), stop func() bool) (Partial, bool) {
	if hi <= 2 || hi <= lo {
		return Partial{}, true
	}
	if lo < 2 {
		lo = 2
	}
	var count int64
	if lo == 2 {
		count = 1 // 2, the only even prime; the sieve below sees odd numbers only
		lo = 3
	}
	if lo%2 == 0 {
		lo++
	}
	base := smallPrimes(int64(math.Sqrt(float64(hi))) + 1)
	seg := make([]bool, segBytes) // seg[i] marks lo+2i composite
	begin := lo
	for segLo := lo; segLo < hi; segLo += 2 * segBytes {
		if stop() {
			return Partial{}, false
		}
		segHi := min(segLo+2*segBytes, hi) // exclusive
		n := int((segHi - segLo + 1) / 2)
		s := seg[:n]
		clear(s)
		for _, p := range base[1:] { // skip 2
			if p*p >= segHi {
				break
			}
			// first odd multiple of p that is >= segLo and >= p*p
			m := max(p*p, (segLo+p-1)/p*p)
			if m%2 == 0 {
				m += p
			}
			for j := (m - segLo) / 2; j < int64(n); j += p {
				s[j] = true
			}
		}
		for i, composite := range s {
			if !composite && segLo+2*int64(i) > 1 {
				count++
			}
		}
		progress(segHi - begin)
	}
	return Partial{N: count}, true
}

// smallPrimes returns the primes below n with a plain sieve.
func smallPrimes(n int64) []int64 {
	if n < 3 {
		return []int64{2}
	}
	comp := make([]bool, n)
	var out []int64
	for i := int64(2); i < n; i++ {
		if comp[i] {
			continue
		}
		out = append(out, i)
		for j := i * i; j < n; j += i {
			comp[j] = true
		}
	}
	return out
}

// ---- Monte Carlo π with a counter-based generator ----

var piTask = &Task{
	Name: "pi", Title: "Monte Carlo π", SizeLabel: "random points", DefaultSize: 1_000_000_000,
	MaxSize: 1_000_000_000_000, // about 30 minutes for one process here
	run:     monteCarloPi, combine: sum,
	Describe: func(size int64, p Partial) string {
		if size <= 0 {
			return "no points"
		}
		est := 4 * float64(p.N) / float64(size)
		return fmt.Sprintf("π ≈ %.6f (%s of %s points in the circle, error %.1e)", est, numfmt.Thousands(p.N), numfmt.Thousands(size), math.Abs(est-math.Pi))
	},
	partial: func(p Partial) string { return numfmt.Thousands(p.N) + " inside" },
}

// monteCarloPi counts points inside the quarter circle. Point i comes from a hash of i
// (splitmix64), not from a stream, so any split of the range gives the very same count.
func monteCarloPi(lo, hi int64, progress func(int64), stop func() bool) (Partial, bool) {
	var hits int64
	const step = 1 << 20
	for a := lo; a < hi; a += step {
		if stop() {
			return Partial{}, false
		}
		b := min(a+step, hi)
		for i := a; i < b; i++ {
			r := splitmix64(uint64(i))
			x, y := r>>32, r&0xffffffff
			// inside when x²+y² < 2^64, i.e. the 64-bit sum does not carry
			if _, carry := bits.Add64(x*x, y*y, 0); carry == 0 {
				hits++
			}
		}
		progress(b - lo)
	}
	return Partial{N: hits}, true
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// ---- the longest Collatz chain ----

var collatzTask = &Task{
	Name: "collatz", Title: "Longest Collatz chain", SizeLabel: "start values below", DefaultSize: 8_000_000,
	// Every chain from below 10⁹ peaks under 1.5·10¹⁸ (at 319,804,831), inside 64 bits.
	MaxSize: 1_000_000_000,
	start:   1, run: longestCollatz,
	combine: func(a, b Partial) Partial {
		if b.N > a.N || b.N == a.N && b.At < a.At {
			return b
		}
		return a
	},
	Describe: func(size int64, p Partial) string {
		return fmt.Sprintf("%s takes %d steps to reach 1, the longest below %s", numfmt.Thousands(p.At), p.N, numfmt.Thousands(size))
	},
	partial: func(p Partial) string { return fmt.Sprintf("%s: %d steps", numfmt.Thousands(p.At), p.N) },
}

// longestCollatz finds the start value in [lo, hi) with the most steps to reach 1.
func longestCollatz(lo, hi int64, progress func(int64), stop func() bool) (Partial, bool) {
	best := Partial{N: -1}
	lo = max(lo, 1)
	const step = 1 << 16
	for a := lo; a < hi; a += step {
		if stop() {
			return Partial{}, false
		}
		b := min(a+step, hi)
		for n := a; n < b; n++ {
			steps := int64(0)
			for x := uint64(n); x != 1; steps++ {
				if x&1 == 0 {
					x >>= 1
				} else {
					x = 3*x + 1
				}
			}
			if steps > best.N {
				best = Partial{N: steps, At: n}
			}
		}
		progress(b - lo)
	}
	if best.N < 0 {
		best = Partial{}
	}
	return best, true
}
