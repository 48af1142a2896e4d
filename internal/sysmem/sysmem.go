// Package sysmem tells how much memory the machine has.
package sysmem

// Total is the machine's physical memory in bytes, or 0 where it is not known.
func Total() uint64 { return total() }
