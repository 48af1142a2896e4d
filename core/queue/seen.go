package queue

import "math/bits"

// seen ticks off one producer's sequence numbers as they are acknowledged. Below base
// every number is done; bits hold the window above it, which stays about as small as
// the capacity because nothing older than the oldest unacknowledged message lingers.
type seen struct {
	base uint64
	bits []uint64
}

// mark records seq first…first+n-1 and returns how many were already there.
func (s *seen) mark(first uint64, n int) (dups int) {
	for seq := first; seq < first+uint64(n); seq++ {
		if seq < s.base {
			dups++
			continue
		}
		i := seq - s.base
		w := int(i / 64)
		for w >= len(s.bits) {
			s.bits = append(s.bits, 0)
		}
		m := uint64(1) << (i % 64)
		if s.bits[w]&m != 0 {
			dups++
			continue
		}
		s.bits[w] |= m
	}
	for len(s.bits) > 0 && s.bits[0] == ^uint64(0) {
		s.bits = s.bits[1:]
		s.base += 64
	}
	return dups
}

// missing counts the numbers below total that were never marked (and, as a protocol
// check, marks above total count too: nothing may be acknowledged that was never made).
func (s *seen) missing(total uint64) (missing, extra int) {
	if total < s.base {
		return 0, int(s.base - total)
	}
	for w, word := range s.bits {
		for b := 0; b < 64; b++ {
			seq := s.base + uint64(w*64+b)
			set := word&(1<<b) != 0
			if seq < total && !set {
				missing++
			} else if seq >= total && set {
				extra++
			}
		}
	}
	if end := s.base + uint64(len(s.bits))*64; end < total {
		missing += int(total - end)
	}
	return missing, extra
}

// count is how many distinct numbers were marked.
func (s *seen) count() uint64 {
	n := s.base
	for _, w := range s.bits {
		n += uint64(bits.OnesCount64(w))
	}
	return n
}
