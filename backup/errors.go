package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ErrKind sorts per-file errors so the report (and a test) can tell them apart.
type ErrKind string

const (
	ErrUnreadable ErrKind = "unreadable" // permission denied or an I/O error reading the source
	ErrVanished   ErrKind = "vanished"   // gone between the plan and the copy
	ErrChanged    ErrKind = "changed"    // size or time changed while it was read
	ErrBadName    ErrKind = "bad-name"   // the destination cannot hold this name
	ErrDiskFull   ErrKind = "disk-full"  // the destination ran out of space
	ErrNotCopied  ErrKind = "not-copied" // the run stopped (disk full, cancelled) before it
	ErrVerify     ErrKind = "verify"     // SHA-256 of the copy differs from the source
	ErrConflict   ErrKind = "conflict"   // the destination holds a folder where the source has a file or link, or a file where it has a folder
	ErrSpecial    ErrKind = "special"    // fifo, socket or device
	ErrSymlink    ErrKind = "symlink"    // the OS refused to create a link
	ErrWorker     ErrKind = "worker"     // workers kept dying on this file
	ErrWrite      ErrKind = "write"      // any other failure writing the destination
)

// FileError is one file that is not in place, and why, as a sentence.
type FileError struct {
	Path string  `json:"path"`
	Kind ErrKind `json:"kind"`
	Msg  string  `json:"error"`
}

func (e *FileError) Error() string { return e.Path + ": " + e.Msg }

// fileErr classifies err from reading or writing rel.
func fileErr(rel string, err error, doing string) *FileError {
	cause := unwrapPath(err)
	fe := &FileError{Path: rel, Kind: ErrWrite, Msg: fmt.Sprintf("%s: %v", doing, cause)}
	switch {
	case errors.Is(err, fs.ErrPermission) && strings.HasPrefix(doing, "cannot read"):
		fe.Kind = ErrUnreadable
		fe.Msg += "; give your user read access to it, or back up as a user who can read it"
	case errors.Is(err, fs.ErrPermission):
		fe.Kind = ErrWrite
		fe.Msg += "; check that your user may write in the destination"
	case errors.Is(err, fs.ErrNotExist):
		fe.Kind, fe.Msg = ErrVanished, "it vanished before it could be copied"
	case isDiskFull(err):
		fe.Kind, fe.Msg = ErrDiskFull, "the destination disk is full"
	case isBadName(err):
		fe.Kind, fe.Msg = ErrBadName, fmt.Sprintf("the destination cannot hold this name (%v); rename it in the source, "+
			"or back up to a disk whose file system allows it", cause)
	case isSymlinkRefused(err):
		fe.Kind, fe.Msg = ErrSymlink, "Windows refused to create this link: turn on Developer Mode or run as administrator"
	}
	return fe
}
