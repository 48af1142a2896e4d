package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	ErrTooBig     ErrKind = "too-big"    // bigger than the destination's file system holds in one file (FAT: 4 GiB)
	ErrWrite      ErrKind = "write"      // any other failure writing the destination
)

// fatMaxFile is the largest file FAT holds: its sizes are 32 bits.
const fatMaxFile = 1<<32 - 1

const tooBigFix = "back up to a disk formatted exFAT or NTFS, or for Linux or macOS"

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
	case isSymlinkRefused(err):
		fe.Kind, fe.Msg = ErrSymlink, symlinkRefusedMsg
	case errors.Is(err, fs.ErrPermission) && strings.HasPrefix(doing, "cannot read"):
		fe.Kind = ErrUnreadable
		fe.Msg += "; give your user read access to it, or back up as a user who can read it"
	case errors.Is(err, fs.ErrPermission) && isOp(err, "write"):
		// The file was made, so the rights are not what is missing: fusefat refuses a
		// write past FAT32's limit this way.
		fe.Msg += "; the destination made the file but refused its contents (a FAT32 disk holds files up to 4 GiB less a byte)"
	case errors.Is(err, fs.ErrPermission):
		fe.Kind = ErrWrite
		fe.Msg += "; check that your user may write in the destination"
	case errors.Is(err, fs.ErrNotExist):
		fe.Kind, fe.Msg = ErrVanished, "it vanished before it could be copied"
	case isDiskFull(err):
		fe.Kind, fe.Msg = ErrDiskFull, "the destination disk is full"
	case isTooBig(err):
		fe.Kind, fe.Msg = ErrTooBig, "the destination's file system cannot hold a file this big (FAT32 holds at most 4 GiB less a byte); "+tooBigFix
	case isBadName(err):
		fe.Kind, fe.Msg = ErrBadName, fmt.Sprintf("the destination cannot hold this name (%v); rename it in the source, "+
			"or back up to a disk whose file system allows it", cause)
	}
	return fe
}

// refusedName tells a name the destination refuses from a folder it refuses: fusefat
// answers EPERM to a name outside ASCII, and the report had told the user to check their
// rights on a folder they could write. A permission error where a plain name can be made
// in the same folder is about the name.
func refusedName(fe *FileError, err error, dir, tag string) *FileError {
	making := isOp(err, "open") || isOp(err, "mkdir") // not a write refused part way
	if making && fe.Kind == ErrWrite && errors.Is(err, fs.ErrPermission) && takesOtherNames(dir, tag) {
		fe.Kind, fe.Msg = ErrBadName, "the destination cannot hold this name (it refused it, and takes other names in this folder); "+
			"rename it in the source, or back up to a disk whose file system allows it"
	}
	return fe
}

// takesOtherNames reports whether a new file with a plain ASCII name can be made in dir
// (and removes it at once).
func takesOtherNames(dir, tag string) bool {
	// Per process: two workers probing one folder at once had made one of them answer no.
	probe := filepath.Join(dir, fmt.Sprintf(".proclab-name-probe-%d.%s%s", os.Getpid(), tag, tempSuffix))
	f, err := os.OpenFile(probe, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return errors.Is(err, fs.ErrExist) // a plain name is there already
	}
	f.Close()
	os.Remove(probe)
	return true
}

// isOp reports whether err is a path error from the operation op ("open", "write", ...).
func isOp(err error, op string) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Op == op
}
