package backup

import (
	"reflect"
	"testing"
)

func TestWireRoundTrip(t *testing.T) {
	b := batch{ID: 7, Tasks: []task{
		{I: 0, Rel: "a/b.go", Op: OpCopy, Kind: KindFile, Size: 1234},
		{I: 99999, Rel: "ünïcödé/名前 with spaces", Op: OpVerify, Kind: KindLink, Size: 0, UID: 1000, GID: -1, Owner: true},
		{I: 3, Rel: "", Size: 1 << 40},
		{I: 4, Rel: "b/second name", Op: OpCopy, Kind: KindFile, Size: 9, LinkOf: "a/first name"},
	}}
	got, err := decodeBatch(encodeBatch(b))
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("batch round trip: %+v, %v; want %+v", got, err, b)
	}
	m := resultsMsg{Batch: 7, Done: true, Results: []result{
		{I: 0, Copied: true, Bytes: 1234},
		{I: 7, Copied: true, Repaired: true, Bytes: 5, Hash: "ab"},
		{I: 8, Copied: true, Bytes: 1 << 30, Holes: 1<<30 - 4096},
		{I: 9, Copied: true, Linked: true},
		{I: 99999, Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{I: 3, Err: &FileError{Path: "x/y", Kind: ErrDiskFull, Msg: "the disk is full"}},
	}}
	gotM, err := decodeResults(encodeResults(m))
	if err != nil || !reflect.DeepEqual(gotM, m) {
		t.Fatalf("results round trip: %+v, %v; want %+v", gotM, err, m)
	}
	if got, err := decodeBatch(encodeBatch(batch{ID: 1})); err != nil || got.ID != 1 || len(got.Tasks) != 0 {
		t.Fatalf("empty batch: %+v, %v", got, err)
	}
}

// A worker that writes garbage is killed with a reason; the decoder must report it, never
// panic or allocate what a corrupt length asks for.
func FuzzDecodeResults(f *testing.F) {
	full := encodeResults(resultsMsg{Batch: 2, Results: []result{{I: 1, Copied: true, Bytes: 10},
		{I: 2, Err: &FileError{Path: "p", Kind: ErrUnreadable, Msg: "m"}}}})
	f.Add(full)
	f.Add(full[:len(full)-1])
	f.Add(append(full, 0))
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add(encodeBatch(batch{ID: 1, Tasks: []task{{Rel: "x"}}}))
	f.Fuzz(func(t *testing.T, p []byte) {
		if m, err := decodeResults(p); err == nil {
			if again, err := decodeResults(encodeResults(m)); err != nil || !reflect.DeepEqual(again, m) {
				t.Fatalf("accepted %x but its re-encoding differs", p)
			}
		}
		if b, err := decodeBatch(p); err == nil {
			if again, err := decodeBatch(encodeBatch(b)); err != nil || !reflect.DeepEqual(again, b) {
				t.Fatalf("accepted %x as a batch but its re-encoding differs", p)
			}
		}
	})
}

func TestWireRejectsMalformedFrames(t *testing.T) {
	full := encodeBatch(batch{ID: 5, Tasks: []task{{I: 1, Rel: "dir/file", Size: 10}}})
	for i := 0; i < len(full); i++ {
		if _, err := decodeBatch(full[:i]); err == nil {
			t.Fatalf("a batch cut to %d of %d bytes was accepted", i, len(full))
		}
	}
	if _, err := decodeBatch(append(full, 1)); err == nil {
		t.Fatal("trailing bytes were accepted")
	}
	// A count far beyond what the frame holds.
	if _, err := decodeResults([]byte{1, 0, 0xff, 0xff, 0x03}); err == nil {
		t.Fatal("an impossible count was accepted")
	}
}
