// Package console connects a Windows GUI-subsystem ProcLab.exe to the console it was
// started from, so command-line runs print and return exit codes as console programs do.
// It has no GUI dependency, so it compiles (and is vetted) for every OS in CI.
package console
