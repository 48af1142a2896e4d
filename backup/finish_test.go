package backup

import (
	"slices"
	"sync"
	"testing"
)

// A folder is finished once listed, with its files final and its subfolders finished,
// children before parents, and never twice; the root is left for the end of the run.
func TestDirFinisherOrder(t *testing.T) {
	var mu sync.Mutex
	var order []string
	f := newDirFinisher(func(d *Item) *FileError {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, d.Rel)
		return nil
	}, func(d *Item) bool { return d.Rel != "kept" })
	dir := func(rel string) Item { return Item{Entry: Entry{Rel: rel, Kind: KindDir}} }

	f.listed(".", []Item{dir("a"), dir("kept")}, 1)
	f.listed("a", []Item{dir("a/b"), dir("a/empty")}, 2)
	f.listed("a/empty", nil, 0) // nothing in it: finished at once
	f.listed("kept", nil, 0)    // nothing changed in it: counted, not touched
	if want := []string{"a/empty"}; !slices.Equal(order, want) {
		t.Fatalf("finished %v, want %v", order, want)
	}
	f.fileDone("a")
	f.fileDone("a")
	if len(order) != 1 || f.finished("a") {
		t.Fatalf("a finished before its subfolder a/b was listed: %v", order)
	}
	f.listed("a/b", nil, 1)
	f.fileDone("a/b")
	if want := []string{"a/empty", "a/b", "a"}; !slices.Equal(order, want) {
		t.Fatalf("finished %v, want %v", order, want)
	}
	f.fileDone(".")
	if f.finished(".") || !f.finished("a") || !f.finished("kept") {
		t.Fatalf("root finished early or a folder not marked: %v", order)
	}
}

// A file that never gets a final result (a stopped run) keeps its folder and the
// folders above it for the end of the run.
func TestDirFinisherLeavesUnfinished(t *testing.T) {
	var order []string
	f := newDirFinisher(func(d *Item) *FileError { order = append(order, d.Rel); return nil },
		func(*Item) bool { return true })
	f.listed(".", []Item{{Entry: Entry{Rel: "x", Kind: KindDir}}}, 0)
	f.listed("x", nil, 2)
	f.fileDone("x")
	if len(order) != 0 || f.finished("x") {
		t.Fatalf("x finished with a file pending: %v", order)
	}
}

// A worker gets a second batch to have one waiting, except when either is a big file.
func TestPoolSendsNoSecondBatchBesideABigFile(t *testing.T) {
	p := &pool{tasks: []task{{Size: 1 << 30}, {Size: 10}, {Size: 20}, {Size: 1 << 30}}}
	onBig := &pworker{inflight: map[int][]int{1: {0}}}
	onSmall := &pworker{inflight: map[int][]int{2: {1}}}
	idle := &pworker{inflight: map[int][]int{}}
	p.queue = []int{2}
	if p.mayTake(onBig) {
		t.Error("a worker copying a big file was sent small files to hold")
	}
	if !p.mayTake(onSmall) || !p.mayTake(idle) {
		t.Error("a worker on small files, or one with nothing, was not sent the next batch")
	}
	p.queue = []int{3}
	if p.mayTake(onSmall) || !p.mayTake(idle) {
		t.Error("a big file went to a worker with a batch in hand, or not to an idle one")
	}
	p.queue = nil
	if p.mayTake(idle) {
		t.Error("a batch was sent from an empty queue")
	}
}
