package cli

import (
	"fmt"
	"runtime"

	"dev.proclab/backup"
	"dev.proclab/internal/numfmt"
)

const demoSourceUsage = "demo-source DIR [--files N] [--size BYTES]"

func init() {
	registerHeadless("demo-source", demoSourceUsage, "generate a sample folder to back up", runDemoSource)
}

func runDemoSource(env *Env, args []string) int {
	fs := NewFlags(env, demoSourceUsage, "Write a sample source folder (a mix of sizes, nested folders, unicode names,\n"+
		"an empty folder and a link) for trying 'proclab backup'. DIR must be new, empty, or an earlier demo source.")
	files := fs.Int("files", 1000, "how many files")
	size := fs.Int64("size", 64<<20, "their total size in bytes")
	pos, code, done := Parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		return UsageError(env, fs, "demo-source needs one folder, e.g. 'proclab demo-source /tmp/demo'")
	}
	if *files < 1 || *files > 1_000_000 {
		return UsageError(env, fs, "--files %d is out of range; use 1 to 1000000", *files)
	}
	if *size < 0 || *size > 64<<30 {
		return UsageError(env, fs, "--size %d is out of range; use 0 to 64 GiB", *size)
	}
	if err := backup.GenerateDemo(pos[0], backup.DemoOptions{Files: *files, Bytes: *size}); err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	extra := "a link and the file it points to, and "
	if runtime.GOOS == "windows" {
		extra = "" // no link: making one needs Developer Mode there
	}
	fmt.Fprintf(env.Stdout, "%s: %d sample files (%s), plus %sthe marker %s that lets a new demo replace this one while it holds only what was generated\n",
		pos[0], *files, numfmt.Bytes(*size), extra, backup.DemoMarker)
	return ExitOK
}
