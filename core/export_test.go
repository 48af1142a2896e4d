package core

// CloseStdinForTest lets a test play a parent that let go of its child.
func CloseStdinForTest(c *Child) { c.stdin.Close() }
