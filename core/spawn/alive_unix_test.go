//go:build unix

package spawn_test

import "syscall"

// alive reports whether a process with this PID still exists (signal 0 checks only).
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }
