package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

func init() { registerBench("backup", runBenchBackup) }

// runBenchBackup times `proclab backup` against cp -r and rsync -a (and CPython's
// multiprocessing Pool, when its anchor script is found) on the same tree to the same
// disk, in rotating order, each into a fresh folder: deleting a tree between runs makes
// ext4 skip the freed inodes for a minute, which would tax whoever runs next.
func runBenchBackup(env *Env, args []string) int {
	const usage = "bench backup [--src DIR] [--dir DIR] [--runs N] [--workers N] [--python SCRIPT] [--json]"
	fs := NewFlags(env, usage, "Time a first backup and a no-change backup against cp -r and rsync -a; medians of paired runs.")
	src := fs.String("src", goSrcDir(), "tree to back up (default: the Go toolchain's src)")
	dir := fs.String("dir", os.TempDir(), "where the copies go (the same disk for every tool)")
	runs := fs.Int("runs", 5, "paired runs")
	workers := fs.Int("workers", 0, "backup workers (0: one per CPU)")
	py := fs.String("python", findPyAnchor(), "CPython anchor script (py_mp_bench.py); empty to skip")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	if code, done := ParseNoArgs(env, fs, args); done {
		return code
	}
	if *runs < 1 {
		return UsageError(env, fs, "--runs must be at least 1")
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	work, err := os.MkdirTemp(*dir, "proclab-bench-backup-")
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	defer os.RemoveAll(work)
	ours := func(dst string) *exec.Cmd {
		a := []string{"backup", "--json"}
		if *workers > 0 {
			a = append(a, "--workers", fmt.Sprint(*workers))
		}
		return exec.Command(self, append(a, *src, dst)...)
	}
	tools := map[string]func(dst string) *exec.Cmd{
		"proclab": ours,
		"cp -r":   func(dst string) *exec.Cmd { return exec.Command("cp", "-r", *src, dst) },
		"rsync -a": func(dst string) *exec.Cmd {
			return exec.Command("rsync", "-a", *src+string(filepath.Separator), dst+string(filepath.Separator))
		},
	}
	order := []string{"proclab", "cp -r", "rsync -a"}
	// A tool that is not installed is left out with a note, not found out after the
	// first timed run; cp is the one comparison the bench is for.
	if _, err := exec.LookPath("cp"); err != nil {
		fmt.Fprintln(env.Stderr, "proclab: bench: cp is not on PATH: the bench compares with cp -r, so install coreutils")
		return ExitFail
	}
	hasRsync := true
	if _, err := exec.LookPath("rsync"); err != nil {
		hasRsync = false
		order = slices.DeleteFunc(order, func(t string) bool { return t == "rsync -a" })
		fmt.Fprintln(env.Stderr, "proclab: bench: rsync is not on PATH, so rsync -a is left out; install it (apt-get install rsync) to compare with it")
	}
	if *py != "" {
		if _, err := exec.LookPath("python3"); err != nil {
			fmt.Fprintf(env.Stderr, "proclab: bench: python3 is not on PATH, so the CPython anchor (%s) is left out\n", *py)
			*py = ""
		}
	} else if !pySet(fs) {
		fmt.Fprintln(env.Stderr, "proclab: bench: the CPython anchor ../shared/tools/py_mp_bench.py is not beside this folder, so it is left out; pass --python SCRIPT to include it")
	}
	if runtime.GOOS == "linux" {
		// cp -r, then the flush proclab counts in its own time (syncfs, which `sync -f`
		// calls): the same durability, so the figures show what the flush costs.
		tools[cpSynced] = func(dst string) *exec.Cmd {
			return exec.Command("sh", "-c", `cp -r "$1" "$2" && sync -f "$2"`, "sh", *src, dst)
		}
		order = append(order, cpSynced)
	}
	if *py != "" {
		tools["python Pool"] = func(dst string) *exec.Cmd { return exec.Command("python3", *py, "backup", *src, dst) }
		order = append(order, "python Pool")
	}
	first := map[string][]float64{}
	second := map[string][]float64{}
	dstOf := func(tool string, i int) string {
		// One folder per tool and run: "cp -r" and "cp -r; sync -f" must not share one.
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r
			}
			return '-'
		}, tool)
		return filepath.Join(work, fmt.Sprintf("%s-%d", name, i))
	}
	for i := 0; i < *runs; i++ {
		for k := range order {
			tool := order[(i+k)%len(order)] // rotate who goes first
			d, err := timeCmd(tools[tool](dstOf(tool, i)))
			if err != nil {
				fmt.Fprintf(env.Stderr, "proclab: bench: %s: %v\n", tool, err)
				return ExitFail
			}
			first[tool] = append(first[tool], d)
		}
		noChange := []string{"proclab"}
		if hasRsync {
			noChange = append(noChange, "rsync -a")
		}
		for k := range noChange {
			tool := noChange[(i+k)%len(noChange)]
			d, err := timeCmd(tools[tool](dstOf(tool, i)))
			if err != nil {
				fmt.Fprintf(env.Stderr, "proclab: bench: %s (no change): %v\n", tool, err)
				return ExitFail
			}
			second[tool] = append(second[tool], d)
		}
		fmt.Fprintf(env.Stderr, "run %d/%d: first %s; no change: %s\n", i+1, *runs,
			fmtRow(first, order, i), fmtRow(second, noChange, i))
	}
	// Correctness on the same tree: identical, and a further run copies nothing.
	same := exec.Command("diff", "-r", "-q", "-x", ".proclab", *src, dstOf("proclab", 0)).Run() == nil
	out, _ := ours(dstOf("proclab", 0)).Output()
	var again struct {
		FilesCopied int `json:"files_copied"`
		FilesTotal  int `json:"files_total"`
	}
	json.Unmarshal(out, &again)

	res := map[string]any{"src": *src, "files": again.FilesTotal, "runs": *runs, "cpus": runtime.NumCPU(),
		"identical": same, "third_run_files_copied": again.FilesCopied}
	med := map[string]float64{}
	for _, t := range order {
		med["first "+t] = median(first[t])
	}
	med["no-change proclab"] = median(second["proclab"])
	ratios := map[string]float64{
		"first: proclab / cp -r": median(pairRatio(first["proclab"], first["cp -r"])),
	}
	if hasRsync {
		med["no-change rsync -a"] = median(second["rsync -a"])
		ratios["first: proclab / rsync -a"] = median(pairRatio(first["proclab"], first["rsync -a"]))
		ratios["no-change: proclab / rsync -a"] = median(pairRatio(second["proclab"], second["rsync -a"]))
	}
	res["median_seconds"] = med
	if _, ok := first[cpSynced]; ok {
		ratios["first: proclab / "+cpSynced] = median(pairRatio(first["proclab"], first[cpSynced]))
	}
	if *py != "" {
		ratios["first: proclab / python Pool"] = median(pairRatio(first["proclab"], first["python Pool"]))
	}
	res["median_paired_ratio"] = ratios
	if *asJSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(env.Stdout, string(b))
	} else {
		fmt.Fprintf(env.Stdout, "Backup of %s (%d files), %d paired runs, %d CPUs; medians:\n", *src, again.FilesTotal, *runs, runtime.NumCPU())
		for _, t := range order {
			fmt.Fprintf(env.Stdout, "  first run   %-14s %.3f s\n", t, med["first "+t])
		}
		fmt.Fprintf(env.Stdout, "  no change   %-14s %.3f s\n", "proclab", med["no-change proclab"])
		if hasRsync {
			fmt.Fprintf(env.Stdout, "  no change   %-14s %.3f s\n", "rsync -a", med["no-change rsync -a"])
		}
		keys := make([]string, 0, len(ratios))
		for k := range ratios {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(env.Stdout, "  %-32s %.2f (median of paired ratios; below 1 is faster)\n", k, ratios[k])
		}
		fmt.Fprintf(env.Stdout, "  diff -r -x .proclab identical: %v; a further run copied %d files\n", same, again.FilesCopied)
	}
	return ExitOK
}

// cpSynced is cp -r followed by a flush of the destination's file system.
const cpSynced = "cp -r; sync -f"

func fmtRow(m map[string][]float64, order []string, i int) string {
	var parts []string
	for _, t := range order {
		parts = append(parts, fmt.Sprintf("%s %.3f s", t, m[t][i]))
	}
	return strings.Join(parts, ", ")
}

func timeCmd(c *exec.Cmd) (float64, error) {
	// Every tool starts with nothing dirty in the page cache: otherwise a tool that
	// flushes (proclab's final syncfs) also pays for the previous tool's writes.
	exec.Command("sync").Run()
	var stderr strings.Builder
	c.Stderr = &stderr
	start := time.Now()
	err := c.Run()
	d := time.Since(start).Seconds()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return d, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func pairRatio(a, b []float64) []float64 {
	out := make([]float64, 0, len(a))
	for i := range a {
		if i < len(b) && b[i] > 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

func goSrcDir() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		return filepath.Join(strings.TrimSpace(string(out)), "src")
	}
	return filepath.Join(runtime.GOROOT(), "src")
}

// findPyAnchor finds the team's CPython anchor script beside the checkout (run from the
// project root, as the README says); empty when it is not there.
func findPyAnchor() string {
	const p = "../shared/tools/py_mp_bench.py"
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// pySet says whether --python was given on the command line.
func pySet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "python" })
	return set
}
