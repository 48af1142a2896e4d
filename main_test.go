package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dev.proclab/cli"
	"dev.proclab/core"
	"dev.proclab/internal/testhome"
)

// TestMain lets a test run this binary as the proclab command: with PROCLAB_TEST_CLI set
// it runs the command line instead of the tests. Children need nothing here: the role
// package's init() has already run them.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("PROCLAB_TEST_CLI"); ok {
		os.Unsetenv("PROCLAB_TEST_CLI")
		os.Exit(cli.Main(cli.ParseMeta(fyneAppTOML), strings.Fields(args)))
	}
	os.Exit(testhome.Run(m))
}

// A child runs its role from dev.proclab/role's init(), before Go gets to Fyne's
// packages: it must not initialise any of them (cost, and a second Dock icon on macOS).
func TestChildInitialisesNoFynePackage(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), core.RoleEnv+"=exit", "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	inits := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		inits++
		if strings.HasPrefix(f[1], "fyne.io/fyne/v2") {
			t.Errorf("child initialised %s", f[1])
		}
		// These wait for strings; seeing them means core or ipc imports strings (or
		// bufio, encoding/json) again, and every child initialises the crypto tree first.
		if strings.HasPrefix(f[1], "crypto/internal/fips140/") || f[1] == "encoding/json" {
			t.Errorf("child initialised %s before its role", f[1])
		}
	}
	if inits == 0 {
		t.Fatalf("no inittrace output; stderr:\n%s", stderr.String())
	}
	t.Logf("%d packages initialised before the role ran", inits)
}

// A command without a window runs from dev.proclab/cli/headless's init(), as a child
// runs its role: no Fyne package is initialised (their inits were a third of a small
// backup's CPU), and the command still does its work and logs it.
func TestHeadlessCommandInitialisesNoFynePackage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	cmd := exec.Command(os.Args[0], "demo-source", dir, "--files", "3")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo-source: %v\n%s", err, stderr.String())
	}
	inits := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			inits++
			if strings.HasPrefix(f[1], "fyne.io/") {
				t.Errorf("demo-source initialised %s", f[1])
			}
		}
	}
	if inits == 0 {
		t.Fatalf("no inittrace output; stderr:\n%s", stderr.String())
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		t.Fatalf("demo-source made nothing in %s: %v", dir, err)
	}
	cache, _ := os.UserCacheDir()
	logged, _ := os.ReadFile(filepath.Join(cache, "proclab", "proclab.log"))
	if !bytes.Contains(logged, []byte(`"args":"demo-source `)) {
		t.Errorf("the run is not in the app log:\n%s", logged)
	}
}

func TestVersionComesFromFyneAppTOML(t *testing.T) {
	m := cli.ParseMeta(fyneAppTOML)
	if m.Version == "" || m.Version == "0.0.0" || m.ID != "dev.proclab.app" || m.Name != "ProcLab" {
		t.Fatalf("metadata from FyneApp.toml: %+v", m)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=version")
	out, err := cmd.Output()
	if err != nil || string(out) != "proclab "+m.Version+"\n" {
		t.Fatalf("proclab version = %q, %v", out, err)
	}
}

func TestUnknownArgumentsExitTwo(t *testing.T) {
	for _, args := range []string{"frobnicate", "--no-such-flag", "version extra", "bench nope", "bench spawn -n 0", "shot", "shot nope x.png"} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI="+args)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("proclab %s: %v, want exit code 2", args, err)
		}
		if !strings.Contains(stderr.String(), "proclab") {
			t.Errorf("proclab %s: no message on stderr: %q", args, stderr.String())
		}
	}
}

// Bad flags are reported like every other message, with the flag as the help writes it.
func TestBadFlagsAndArgumentsSayWhatIsWrong(t *testing.T) {
	for args, want := range map[string]string{
		"backup --bogus a b":       "proclab: flag provided but not defined: --bogus\n",
		"backup --workers abc a b": `proclab: --workers "abc" is not a whole number`,
		"backup a b c":             "proclab: backup takes one source and one destination folder, not 3",
		"bench spawn -n x":         `proclab: -n "x" is not a whole number`,
	} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI="+args)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("proclab %s: %v, stderr %q; want exit code 2 and %q", args, err, stderr.String(), want)
		}
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=backup --help")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "\n  --dry-run\n") {
		t.Errorf("proclab backup --help: %v\n%s\nwant the options written --name", err, out)
	}
}

// A command-line backup writes to the same app log as the window, under its run ID.
func TestBackupRunIDReachesTheAppLog(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	if err := os.WriteFile(src+"/a.txt", []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=backup --json "+src+" "+dst)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("proclab backup: %v", err)
	}
	var sum struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(out, &sum); err != nil || len(sum.RunID) != 36 {
		t.Fatalf("summary %q: %v", out, err)
	}
	cache, _ := os.UserCacheDir()
	log, err := os.ReadFile(cache + "/proclab/proclab.log")
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"backup started", "backup finished"} {
		found := false
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, msg) && strings.Contains(line, sum.RunID) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q record with run_id %s in the log", msg, sum.RunID)
		}
	}
}

// Under C.UTF-8 (common in containers) Fyne used to log a locale error at every start.
func TestNoLocaleErrorUnderCUTF8(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=version", "LANG=C.UTF-8", "LC_ALL=", "LANGUAGE=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "locale") {
		t.Fatalf("stderr under C.UTF-8: %s", stderr.String())
	}
}

// With --json, a backup that cannot start still answers on stdout, with its exit code.
func TestBackupJSONReportsBadInputOnStdout(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=backup --json "+t.TempDir()+"/missing "+t.TempDir()+"/dst")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want 2", err)
	}
	var res struct {
		Error      string `json:"error"`
		InputError bool   `json:"input_error"`
		ExitCode   int    `json:"exit_code"`
	}
	if err := json.Unmarshal(out, &res); err != nil || !strings.Contains(res.Error, "does not exist") || !res.InputError || res.ExitCode != 2 {
		t.Fatalf("stdout %q (%v), want the error as JSON", out, err)
	}
}

// With --json, a wrong command line answers on stdout too, wherever --json stands.
func TestBackupJSONReportsBadArgumentsOnStdout(t *testing.T) {
	for args, want := range map[string]string{
		"backup --json --workers 0 a b": "out of range",
		"backup --json onlyone":         "needs a source and a destination",
		"backup --bogus --json a b":     "not defined",
	} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI="+args)
		out, err := cmd.Output()
		var ee *exec.ExitError
		var res struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		}
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || json.Unmarshal(out, &res) != nil ||
			!strings.Contains(res.Error, want) || res.ExitCode != 2 {
			t.Errorf("%s: exit %v, stdout %q; want exit 2 and an error object naming %q", args, err, out, want)
		}
	}
}
