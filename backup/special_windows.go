package backup

import "io/fs"

// canRecreate: Windows has no fifos, sockets or devices in its folders to back up.
func canRecreate(fs.FileMode) bool { return false }

func (w *worker) makeSpecial(t task) result {
	return result{I: t.I, Err: &FileError{Path: t.Rel, Kind: ErrSpecial, Msg: "special files cannot be made on Windows; not backed up"}}
}
