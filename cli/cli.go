// Package cli is ProcLab's command line: it parses arguments and runs the engine
// headless, or opens the window that dev.proclab/cli/window hands it. It sits on top,
// beside main, and only wires the engine together. It never imports Fyne, so a command
// without a window runs before Fyne's packages are initialised (RunIfHeadless).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"dev.proclab/applog"
	"dev.proclab/cli/console"
	"dev.proclab/core"
)

// Env is what a subcommand gets.
type Env struct {
	Meta   Meta
	Stdout io.Writer
	Stderr io.Writer
	// Log writes to the app log shared with the window (<user cache>/proclab/proclab.log).
	// Commands hand it to the engine: core.New(core.Options{Logger: env.Log}), and log
	// their own milestones (a backup's run ID) through it.
	Log *slog.Logger
	// AppLog is the logging daemon behind Log; Main flushes and closes it on exit.
	AppLog *applog.Log
}

func (e *Env) logger() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

type command struct {
	usage   string // e.g. "bench spawn|pipe [-n N] [--json]"
	summary string
	run     func(env *Env, args []string) int
	early   bool // runs from RunIfHeadless, before Fyne's packages are initialised
}

var commands = map[string]command{}

// registerHeadless adds a subcommand that needs no window and no Meta; each lives in its
// own file.
func registerHeadless(name, usage, summary string, run func(env *Env, args []string) int) {
	commands[name] = command{usage, summary, run, true}
}

// Register adds a subcommand that runs once every package is initialised.
func Register(name, usage, summary string, run func(env *Env, args []string) int) {
	commands[name] = command{usage, summary, run, false}
}

// openWindow opens the window with the arguments after the program name; nil in a
// build without one.
var openWindow func(env *Env, args []string) int

// SetWindow says how to open the window: dev.proclab/cli/window does, from its init().
func SetWindow(open func(env *Env, args []string) int) { openWindow = open }

// RunIfHeadless runs the command in args, and exits, when it needs no window: called
// from dev.proclab/cli/headless's init(), before Go initialises Fyne's packages, whose
// inits were a third of a no-change backup of a small folder (17 ms of CPU, now 11;
// Fyne's translations alone 5-8 ms). It returns for anything else, and in a child,
// whose role a later package runs.
func RunIfHeadless(args []string) {
	if _, child := os.LookupEnv(core.RoleEnv); child || len(args) == 0 || !commands[args[0]].early {
		return
	}
	// Meta is main's, which is initialised last: these commands do without it.
	os.Exit(Main(Meta{}, args))
}

// Exit codes.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Main runs ProcLab with the arguments after the program name and returns the exit code.
func Main(meta Meta, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		env := &Env{Meta: meta, Stdout: os.Stdout, Stderr: os.Stderr}
		return withLog(env, "gui", args, func() int {
			if openWindow == nil {
				fmt.Fprintln(env.Stderr, "proclab: this build has no window; run 'proclab --help' for its commands")
				return ExitUsage
			}
			return openWindow(env, args)
		})
	}
	console.Attach() // before os.Stdout is read: on Windows it may be replaced
	env := &Env{Meta: meta, Stdout: os.Stdout, Stderr: os.Stderr}
	if isHelp(args[0]) || args[0] == "help" {
		usage(env.Stdout, meta)
		return ExitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "proclab: unknown command %q. Run 'proclab --help' to see the commands.\n", args[0])
		return ExitUsage
	}
	return withLog(env, "cli "+args[0], args, func() int { return cmd.run(env, args[1:]) })
}

// withLog starts the logging daemon around a command, so the window and every command
// line run write to the same log, and flushes it however the command ends.
func withLog(env *Env, source string, args []string, run func() int) int {
	lg, err := applog.OpenDefault(source)
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
	}
	env.AppLog, env.Log = lg, lg.Logger()
	slog.SetDefault(env.Log)
	// After SetDefault, which sends the log package's lines to the same log: Fyne's
	// errors come that way, each in three lines that make one warning.
	std := applog.StdLog(env.Log)
	log.SetOutput(std)
	log.SetFlags(0)
	start := time.Now()
	// A command run before main read FyneApp.toml names its commit instead, where the
	// build recorded it.
	build := []any{"version", env.Meta.Version}
	if env.Meta.Version == "" {
		build = []any{"commit", buildRevision()}
	}
	env.Log.Info("proclab started", append(build, "args", strings.Join(args, " "))...)
	code := run()
	env.Log.Info("proclab exiting", "code", code, "ran", time.Since(start).Round(time.Millisecond).String())
	std.Flush()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := lg.Close(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "proclab: the log could not be fully written: %v\n", err)
	}
	return code
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

func usage(w io.Writer, meta Meta) {
	fmt.Fprintf(w, "%s %s: see and use process-based parallelism.\n\nUsage:\n", meta.Name, meta.Version)
	fmt.Fprintf(w, "  proclab [--tab NAME [--demo]]\n      open the window (on that tab, with its demo running)\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  proclab %s\n      %s\n", c.usage, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'proclab COMMAND --help' for a command's options.\n")
}

// newFlags makes a FlagSet that reports errors instead of exiting.
func NewFlags(env *Env, usage, summary string) *flag.FlagSet {
	// The command's name is the usage's leading lower-case words ("bench queue").
	var name []string
	for _, w := range strings.Fields(usage) {
		if strings.ToLower(w) != w || strings.ContainsAny(w, "[-|.") {
			break
		}
		name = append(name, w)
	}
	fs := flag.NewFlagSet(strings.Join(append([]string{"proclab"}, name...), " "), flag.ContinueOnError)
	// The flag package prints its own errors and calls Usage on -help and on every bad
	// flag; parse prints instead, like every other message: the full text once, for
	// -help on stdout, and the error with a short hint after a bad flag.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	flagSets[fs] = flagSetInfo{stderr: env.Stderr, stdout: env.Stdout, help: func(w io.Writer) {
		fmt.Fprintf(w, "Usage: proclab %s\n%s\n", usage, summary)
		var defaults strings.Builder
		fs.SetOutput(&defaults)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if defaults.Len() == 0 {
			return // a command without options: no empty heading
		}
		io.WriteString(w, "\nOptions:\n")
		// Written as the usage lines write them: -n, --name (Go's flag takes both).
		io.WriteString(w, longFlag.ReplaceAllString(defaults.String(), "$1--$2"))
	}}
	return fs
}

// longFlag finds a flag name of two or more letters written with one dash, in the flag
// package's help and errors.
var longFlag = regexp.MustCompile(`(^|\s)-([a-z][a-z0-9-])`)

type flagSetInfo struct {
	help           func(io.Writer)
	stderr, stdout io.Writer
}

var flagSets = map[*flag.FlagSet]flagSetInfo{}

// badNumber is the flag package's error for a number flag given something else.
var badNumber = regexp.MustCompile(`^invalid value "(.*)" for flag (-{1,2}[\w-]+): (parse error|value out of range)$`)

// parse parses flags wherever they stand among the positional arguments and returns the
// positional ones. done is true when the command should return code at once (help, or
// a usage error).
func Parse(fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		if err := fs.Parse(args); err != nil {
			info := flagSets[fs]
			if errors.Is(err, flag.ErrHelp) {
				info.help(os.Stdout)
				return nil, ExitOK, true
			}
			msg := longFlag.ReplaceAllString(err.Error(), "$1--$2")
			// The flag package's "invalid value "x" for flag --n: parse error" names no fix.
			if m := badNumber.FindStringSubmatch(msg); m != nil {
				msg = fmt.Sprintf("%s %q is not a whole number", m[2], m[1])
				if m[3] == "value out of range" {
					msg = fmt.Sprintf("%s %s is too large", m[2], m[1])
				}
			}
			fmt.Fprintf(info.stderr, "proclab: %s\nRun '%s --help' for usage.\n", msg, fs.Name())
			jsonUsage(fs, args, msg)
			return nil, ExitUsage, true
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, false
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), 0, false
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs is parse for commands that take flags only: it refuses positional arguments.
func ParseNoArgs(env *Env, fs *flag.FlagSet, args []string) (code int, done bool) {
	pos, code, done := Parse(fs, args)
	if done {
		return code, true
	}
	if len(pos) > 0 {
		return UsageError(env, fs, "unexpected argument %q", pos[0]), true
	}
	return 0, false
}

func UsageError(env *Env, fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "proclab: "+format+"\n", a...)
	fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", fs.Name())
	jsonUsage(fs, nil, fmt.Sprintf(format, a...))
	return ExitUsage
}

// jsonUsage answers a wrong command line with an error object on stdout too when --json
// was asked for (set, or among args when the parse stopped before it): a script reading
// stdout had got nothing for "--workers 0".
func jsonUsage(fs *flag.FlagSet, args []string, msg string) {
	f := fs.Lookup("json")
	if f == nil {
		return
	}
	want := f.Value.String() == "true"
	for _, a := range args {
		want = want || a == "--json" || a == "-json" || a == "--json=true" || a == "-json=true"
	}
	if !want {
		return
	}
	printJSONError(flagSets[fs].stdout, msg, ExitUsage)
}

// printJSONError is --json's answer when a command cannot run: the error, whether the
// input was at fault (exit code 2), and the exit code.
func printJSONError(w io.Writer, msg string, code int) {
	b, _ := json.Marshal(struct {
		Error      string `json:"error"`
		InputError bool   `json:"input_error"`
		ExitCode   int    `json:"exit_code"`
	}{msg, code == ExitUsage, code})
	fmt.Fprintln(w, string(b))
}

func init() {
	Register("version", "version", "print the version", func(env *Env, args []string) int {
		fs := NewFlags(env, "version", "Print ProcLab's version.")
		if code, done := ParseNoArgs(env, fs, args); done {
			return code
		}
		fmt.Fprintf(env.Stdout, "proclab %s\n", env.Meta.Version)
		return ExitOK
	})
}

// buildRevision names the commit this binary was built from ("1a2b3c4d", "+dirty" when
// it had changes), or says that the build did not record it (-buildvcs=false).
func buildRevision() string {
	rev, dirty := "not recorded", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && len(s.Value) >= 8:
				rev = s.Value[:8]
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "+dirty"
			}
		}
	}
	return rev + dirty
}
