// Package ipc owns the wire between ProcLab's parent and its children: the hello that
// opens a stream and the length-prefixed frames after it. It imports only the standard
// library, so every child can afford it.
package ipc
