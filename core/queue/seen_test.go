package queue

import "testing"

func TestSeenCountsDuplicatesAndGaps(t *testing.T) {
	var s seen
	if d := s.mark(100, 50); d != 0 {
		t.Fatalf("fresh marks counted %d duplicates", d)
	}
	if d := s.mark(0, 100); d != 0 {
		t.Fatal("out-of-order marks counted as duplicates")
	}
	if d := s.mark(120, 40); d != 30 {
		t.Fatalf("overlap: %d duplicates, want 30", d)
	}
	if m, x := s.missing(160); m != 0 || x != 0 {
		t.Fatalf("missing %d extra %d, want none", m, x)
	}
	if m, _ := s.missing(170); m != 10 {
		t.Fatalf("missing %d, want 10", m)
	}
	if s.count() != 160 {
		t.Fatalf("count %d", s.count())
	}
	var g seen
	g.mark(0, 10)
	g.mark(11, 100)
	if m, _ := g.missing(111); m != 1 {
		t.Fatalf("a gap of one: missing %d", m)
	}
}
