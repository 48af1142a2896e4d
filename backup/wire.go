package backup

import (
	"encoding/binary"
	"errors"
)

// The pool and its workers exchange batches and results in a compact binary form:
// varints and length-prefixed strings. JSON cost a twentieth of a first backup's CPU
// (reflection per field of ten thousand small records, both ways); the status frame, a
// few a second, stays JSON.

var errWire = errors.New("malformed batch or result frame")

// maxWireString bounds a string in a frame (a path or a message), so a corrupt length
// cannot ask for a huge allocation; frames themselves are capped at 16 MiB.
const maxWireString = 1 << 20

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func encodeBatch(bt batch) []byte {
	b := make([]byte, 0, 16+len(bt.Tasks)*48)
	b = binary.AppendUvarint(b, uint64(bt.ID))
	b = binary.AppendUvarint(b, uint64(len(bt.Tasks)))
	for _, t := range bt.Tasks {
		b = binary.AppendUvarint(b, uint64(t.I))
		b = appendString(b, t.Rel)
		b = append(b, byte(t.Op), byte(t.Kind))
		b = binary.AppendVarint(b, t.Size)
		b = binary.AppendVarint(b, int64(t.UID))
		b = binary.AppendVarint(b, int64(t.GID))
		b = appendBool(b, t.Owner)
		b = appendString(b, t.LinkOf)
	}
	return b
}

func decodeBatch(p []byte) (batch, error) {
	d := decoder{p: p}
	bt := batch{ID: d.int()}
	n := d.count(8)
	for i := 0; i < n && d.err == nil; i++ {
		t := task{I: d.int(), Rel: d.string(), Op: Op(d.byte()), Kind: Kind(d.byte())}
		if t.Op > OpFail || t.Kind > KindOther {
			d.fail()
		}
		t.Size = d.varint()
		t.UID, t.GID = int(d.varint()), int(d.varint())
		t.Owner = d.bool()
		t.LinkOf = d.string()
		bt.Tasks = append(bt.Tasks, t)
	}
	return bt, d.end()
}

const (
	resCopied = 1 << iota
	resHash
	resErr
	resRepaired
	resHoles
	resModeLost  // the destination could not hold the file's mode
	resOwnerLost // nor its owner
	resLinked    // made a hard link of another name's copy
)

func encodeResults(m resultsMsg) []byte {
	b := make([]byte, 0, 8+len(m.Results)*12)
	b = binary.AppendUvarint(b, uint64(m.Batch))
	b = appendBool(b, m.Done)
	b = binary.AppendUvarint(b, uint64(len(m.Results)))
	for _, r := range m.Results {
		b = binary.AppendUvarint(b, uint64(r.I))
		var flags byte
		if r.Copied {
			flags |= resCopied
		}
		if r.Hash != "" {
			flags |= resHash
		}
		if r.Err != nil {
			flags |= resErr
		}
		if r.Repaired {
			flags |= resRepaired
		}
		if r.Holes != 0 {
			flags |= resHoles
		}
		if r.Lost&lostMode != 0 {
			flags |= resModeLost
		}
		if r.Lost&lostOwner != 0 {
			flags |= resOwnerLost
		}
		if r.Linked {
			flags |= resLinked
		}
		b = append(b, flags)
		b = binary.AppendVarint(b, r.Bytes)
		if r.Holes != 0 {
			b = binary.AppendVarint(b, r.Holes)
		}
		if r.Hash != "" {
			b = appendString(b, r.Hash)
		}
		if r.Err != nil {
			b = appendString(b, r.Err.Path)
			b = appendString(b, string(r.Err.Kind))
			b = appendString(b, r.Err.Msg)
		}
	}
	return b
}

func decodeResults(p []byte) (resultsMsg, error) {
	d := decoder{p: p}
	m := resultsMsg{Batch: d.int(), Done: d.bool()}
	n := d.count(3)
	for i := 0; i < n && d.err == nil; i++ {
		r := result{I: d.int()}
		flags := d.byte()
		r.Copied, r.Repaired, r.Linked = flags&resCopied != 0, flags&resRepaired != 0, flags&resLinked != 0
		if flags&resModeLost != 0 {
			r.Lost |= lostMode
		}
		if flags&resOwnerLost != 0 {
			r.Lost |= lostOwner
		}
		r.Bytes = d.varint()
		if flags&resHoles != 0 {
			r.Holes = d.varint()
		}
		if flags&resHash != 0 {
			r.Hash = d.string()
		}
		if flags&resErr != 0 {
			r.Err = &FileError{Path: d.string(), Kind: ErrKind(d.string()), Msg: d.string()}
		}
		m.Results = append(m.Results, r)
	}
	return m, d.end()
}

// decoder reads what the encoders above append; the first problem sticks in err and
// every later read returns a zero value.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) fail() { d.err, d.p = errWire, nil }

// skip moves past n bytes of a varint; n <= 0 means binary found none.
func (d *decoder) skip(n int) bool {
	if n <= 0 {
		d.fail()
		return false
	}
	d.p = d.p[n:]
	return true
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.p)
	if !d.skip(n) {
		return 0
	}
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.p)
	if !d.skip(n) {
		return 0
	}
	return v
}

// int reads a non-negative int (an index or an ID).
func (d *decoder) int() int {
	v := d.uvarint()
	if v > 1<<31 {
		d.fail()
		return 0
	}
	return int(v)
}

// count reads a number of records, each at least min bytes long: a corrupt count cannot
// promise more records than the frame can hold.
func (d *decoder) count(min int) int {
	n := d.int()
	if n > len(d.p)/min {
		d.fail()
		return 0
	}
	return n
}

func (d *decoder) byte() byte {
	if len(d.p) == 0 {
		d.fail()
		return 0
	}
	b := d.p[0]
	d.p = d.p[1:]
	return b
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail()
	return false
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > maxWireString || n > uint64(len(d.p)) {
		d.fail()
		return ""
	}
	s := string(d.p[:n])
	d.p = d.p[n:]
	return s
}

// end reports a problem, or bytes left over after the last record.
func (d *decoder) end() error {
	if d.err == nil && len(d.p) != 0 {
		d.fail()
	}
	return d.err
}
