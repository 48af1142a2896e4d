package applog

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/testsup"
)

// writerEnv makes the test binary a second ProcLab process writing to the same log.
const writerEnv = "APPLOG_TEST_WRITER" // path|count|source

func TestMain(m *testing.M) {
	if spec := os.Getenv(writerEnv); spec != "" {
		// Start together with the test's own writer: say ready, wait for the go.
		fmt.Println("ready")
		os.Stdin.Read(make([]byte, 1))
		os.Exit(writeRecords(spec))
	}
	core.RunIfChild(core.Roles{
		"say": func(c *core.Conn) int {
			fmt.Fprintln(os.Stderr, "a line from the child")
			return 0
		},
	})
	os.Exit(testsup.Run(m))
}

func writeRecords(spec string) int {
	parts := strings.Split(spec, "|")
	n, _ := strconv.Atoi(parts[1])
	l, err := Open(Options{Path: parts[0], Source: parts[2], MaxSize: 8 << 10, Keep: 1000, Buffer: n + 16})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := l.Logger()
	for i := range n {
		log.Info("record", "n", i, "pad", strings.Repeat("x", i%97))
	}
	if err := l.Close(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type line struct {
	Msg   string `json:"msg"`
	Src   string `json:"src"`
	N     int    `json:"n"`
	Child string `json:"child"`
	Line  string `json:"line"`
}

// readLines parses every line of every log file in dir; a torn or mixed line fails.
func readLines(t *testing.T, dir string) []line {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "proclab.log*"))
	var out []line
	for _, f := range files {
		if strings.HasSuffix(f, ".lock") {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s: a line is not one whole record (%v): %q", filepath.Base(f), err, sc.Text())
			}
			out = append(out, l)
		}
		fh.Close()
	}
	return out
}

func openTemp(t *testing.T, o Options) *Log {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), "proclab.log")
	}
	l, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l
}

func TestSendingNeverBlocksWhenTheWriterIsStalled(t *testing.T) {
	l := openTemp(t, Options{Buffer: 64})
	// Another "process" holds the file lock: the daemon is stuck in its write.
	other, err := os.OpenFile(l.Path()+".lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := lockFile(other); err != nil {
		t.Fatal(err)
	}
	const senders, each = 4, 5000
	log := l.Logger()
	sent := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					log.Info("record", "sender", s, "n", i)
				}
			}()
		}
		wg.Wait()
		close(sent)
	}()
	select {
	case <-sent:
	case <-time.After(time.Minute):
		t.Fatal("senders blocked while the log file was locked")
	}
	if l.Dropped() == 0 {
		t.Fatal("no record dropped although the writer was stalled with a 64-record buffer")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if err := l.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded while the writer was stalled")
	}
	cancel()
	unlockFile(other)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := 0
	sawDropNote := false
	for _, ln := range readLines(t, filepath.Dir(l.Path())) {
		if ln.Msg == "record" {
			got++
		}
		sawDropNote = sawDropNote || strings.HasPrefix(ln.Msg, "log records dropped")
	}
	if d := int(l.Dropped()); got+d != senders*each {
		t.Fatalf("%d written + %d dropped = %d, want %d sent", got, d, got+d, senders*each)
	}
	if !sawDropNote {
		t.Fatal("the log file does not say that records were dropped")
	}
	t.Logf("%d written, %d dropped while stalled", got, l.Dropped())
}

func TestRotationKeepsTheConfiguredNumberOfFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "proclab.log")
	l := openTemp(t, Options{Path: path, MaxSize: 2000, Keep: 2, Buffer: 1000})
	log := l.Logger()
	for i := range 500 {
		log.Info("record", "n", i)
	}
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, _ := e.Info()
		if !strings.HasSuffix(e.Name(), ".lock") && info.Size() > 2000 {
			t.Errorf("%s is %d bytes, over the 2000-byte limit", e.Name(), info.Size())
		}
	}
	sort.Strings(names)
	want := []string{"proclab.log", "proclab.log.1", "proclab.log.2", "proclab.log.lock"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("log folder holds %v, want %v", names, want)
	}
	last := readLines(t, dir)
	maxN := -1
	for _, ln := range last {
		maxN = max(maxN, ln.N)
	}
	if maxN != 499 {
		t.Fatalf("newest record kept is n=%d, want 499", maxN)
	}
}

func TestTwoProcessesShareTheFileWithoutLosingRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "proclab.log")
	const n = 3000
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+path+"|"+strconv.Itoa(n)+"|cli")
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("the other writer did not start: %v", err)
	}
	stdin.Write([]byte("g"))
	if code := writeRecords(path + "|" + strconv.Itoa(n) + "|gui"); code != 0 {
		t.Fatal("this process's writer failed")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the other writer: %v", err)
	}
	seen := map[string]int{}
	files, _ := filepath.Glob(path + ".*")
	for _, ln := range readLines(t, dir) {
		seen[fmt.Sprintf("%s/%d", ln.Src, ln.N)]++
	}
	for _, src := range []string{"gui", "cli"} {
		for i := range n {
			if c := seen[fmt.Sprintf("%s/%d", src, i)]; c != 1 {
				t.Fatalf("record %s/%d is in the log %d times, want once", src, i, c)
			}
		}
	}
	t.Logf("%d records from two processes across %d files, each once", 2*n, len(files))
}

func TestChildStderrReachesTheLogFileWithTheChildID(t *testing.T) {
	l := openTemp(t, Options{})
	sup, err := core.New(core.Options{Logger: l.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sup.Start(core.Spec{Role: "say", Group: "test"})
	if err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, ln := range readLines(t, filepath.Dir(l.Path())) {
		if ln.Msg == "child stderr" && ln.Child == c.ID() && ln.Line == "a line from the child" {
			return
		}
	}
	t.Fatalf("no 'child stderr' record with child=%s in the log file", c.ID())
}

func TestGroupsAndAttrsReachTheFileAndTheRing(t *testing.T) {
	l := openTemp(t, Options{})
	l.Logger().With("run", "r1").WithGroup("copy").Info("file done", "path", "a b.txt", "bytes", 12)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(l.Path())
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	g, _ := m["copy"].(map[string]any)
	if m["run"] != "r1" || g["path"] != "a b.txt" || g["bytes"] != 12.0 || m["app_pid"] == nil {
		t.Fatalf("record %s lost its attributes", data)
	}
	es := l.Since(0)
	if len(es) != 1 || es[0].Attrs != `run=r1 copy.path="a b.txt" copy.bytes=12` {
		t.Fatalf("ring holds %+v", es)
	}
}

func TestRingKeepsTheLatestRecords(t *testing.T) {
	l := openTemp(t, Options{Path: "", Ring: 10})
	for i := range 25 {
		l.Logger().Info("r", "n", i)
	}
	l.Flush(context.Background())
	all := l.Since(0)
	if len(all) != 10 || all[0].Seq != 16 || all[9].Seq != 25 {
		t.Fatalf("ring holds seqs %d..%d (%d), want 16..25", all[0].Seq, all[len(all)-1].Seq, len(all))
	}
	if newer := l.Since(20); len(newer) != 5 || newer[0].Seq != 21 {
		t.Fatalf("Since(20) gave %d entries from %d", len(newer), newer[0].Seq)
	}
	if l.Since(25) != nil {
		t.Fatal("Since(last) should be empty")
	}
}

func TestRecordsAfterCloseAreCountedNotBlocked(t *testing.T) {
	l := openTemp(t, Options{})
	l.Close(context.Background())
	l.Logger().Error("too late")
	if l.Dropped() != 1 {
		t.Fatalf("dropped %d, want 1", l.Dropped())
	}
}

// BenchmarkSend is what a sender pays per record, with the daemon writing to a file
// behind it (records it cannot keep up with are dropped, never waited for).
func BenchmarkSend(b *testing.B) {
	l, err := Open(Options{Path: filepath.Join(b.TempDir(), "proclab.log"), MaxSize: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	log := l.Logger()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			log.Info("child stderr", "child", "5f0c3a2e-1d2b-4c4d-9e8f-0a1b2c3d4e5f", "pid", 4242, "line", "copying file 17 of 200")
		}
	})
	b.StopTimer()
	l.Close(context.Background())
	st := l.Stats()
	b.ReportMetric(float64(st.Dropped)/float64(b.N)*100, "%dropped")
}

// BenchmarkWriteThroughput is how many records a second the daemon gets into the file
// (JSON encoding, locked append, rotation at 4 MiB) when none is dropped.
func BenchmarkWriteThroughput(b *testing.B) {
	l, err := Open(Options{Path: filepath.Join(b.TempDir(), "proclab.log"), Buffer: b.N + 1})
	if err != nil {
		b.Fatal(err)
	}
	log := l.Logger()
	b.ResetTimer()
	for i := range b.N {
		log.Info("child stderr", "child", "5f0c3a2e-1d2b-4c4d-9e8f-0a1b2c3d4e5f", "pid", 4242, "n", i)
	}
	l.Flush(context.Background())
	b.StopTimer()
	if d := l.Dropped(); d > 0 {
		b.Fatalf("%d dropped", d)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	l.Close(context.Background())
}
