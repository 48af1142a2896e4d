//go:build !windows

package console

// Attach is needed only by Windows GUI-subsystem builds.
func Attach() {}
