package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dev.proclab/core"
	"dev.proclab/internal/testhome"
	"dev.proclab/role"
)

func TestMain(m *testing.M) {
	core.RunIfChild(role.Table())
	os.Exit(testhome.Run(m))
}

// TestCommandsWriteToTheSharedLog runs a command the way the shell does and reads the
// log file the window writes to as well.
func TestCommandsWriteToTheSharedLog(t *testing.T) {
	var out bytes.Buffer
	meta := Meta{Name: "ProcLab", ID: "dev.proclab.test", Version: "9.9.9"}
	if code := runMain(meta, []string{"version"}, &out); code != 0 {
		t.Fatalf("version exited %d", code)
	}
	cache, _ := os.UserCacheDir()
	data, err := os.ReadFile(filepath.Join(cache, "proclab", "proclab.log"))
	if err != nil {
		t.Fatalf("no log file after 'proclab version': %v", err)
	}
	var started, exiting bool
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r struct{ Msg, Src, Args string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		started = started || r.Msg == "proclab started" && r.Src == "cli version" && r.Args == "version"
		exiting = exiting || r.Msg == "proclab exiting" && r.Src == "cli version"
	}
	if !started || !exiting {
		t.Fatalf("the log lacks the command's start or end:\n%s", data)
	}
}

// runMain is Main with stdout captured.
func runMain(meta Meta, args []string, stdout *bytes.Buffer) int {
	old := os.Stdout
	r, w, _ := os.Pipe()
	os.Stdout = w
	done := make(chan struct{})
	go func() { stdout.ReadFrom(r); close(done) }()
	code := Main(meta, args)
	w.Close()
	<-done
	os.Stdout = old
	return code
}
