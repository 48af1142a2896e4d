package core

import "os"

// Windows has no SIGTERM for console-less children; the stop frame on stdin is the
// polite request there.
var politeSignals = []os.Signal{}

func askToStop(*os.Process) {}
