package console

import "testing"

// Attach must be harmless wherever it runs: with a console, without one, or off Windows.
func TestAttachIsHarmless(t *testing.T) {
	Attach()
	Attach()
}
