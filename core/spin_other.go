//go:build !linux

package core

import (
	"io"
	"os"
)

// lowLatency is a plain read elsewhere; see spin_linux.go.
func lowLatency(f *os.File) io.Reader { return f }
