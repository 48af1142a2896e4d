//go:build unix

package backup

import (
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

// A create refused in a folder that takes other names is about the name; a write refused
// part way (fusefat at 4 GiB) is not, and a file too big for the disk says so.
func TestRefusedNameOnlyForACreate(t *testing.T) {
	dir := t.TempDir()
	create := &fs.PathError{Op: "open", Path: dir + "/.x.tmp", Err: syscall.EPERM}
	if fe := refusedName(fileErr("x", create, "cannot write it"), create, dir, "tag"); fe.Kind != ErrBadName {
		t.Errorf("a refused create: %q, want %q", fe.Kind, ErrBadName)
	}
	write := &fs.PathError{Op: "write", Path: dir + "/.x.tmp", Err: syscall.EPERM}
	if fe := refusedName(fileErr("x", write, "cannot write it"), write, dir, "tag"); fe.Kind != ErrWrite || strings.Contains(fe.Msg, "your user") {
		t.Errorf("a refused write: %q %q, want %q, and not the user's rights blamed", fe.Kind, fe.Msg, ErrWrite)
	}
	big := &fs.PathError{Op: "write", Path: dir + "/.x.tmp", Err: syscall.EFBIG}
	if fe := fileErr("x", big, "cannot write it"); !strings.Contains(fe.Msg, "cannot hold a file this big") {
		t.Errorf("a file too big: %q", fe.Msg)
	}
}
