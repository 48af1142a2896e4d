// Package ipcjson sends a value as a JSON frame, through a child's Conn or the parent's
// Child. It stands apart from ipc because encoding/json imports strings, which the child
// runtime (ipc and core) must not: see ipc's buffered reader.
package ipcjson

import "encoding/json"

// Sender sends one frame: core.Conn in a child, core.Child in the parent.
type Sender interface {
	Send(typ byte, payload []byte) error
}

// Send sends v, encoded as JSON, in a frame of type typ.
func Send(s Sender, typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.Send(typ, b)
}
