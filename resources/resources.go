// Package resources holds the assets bundled into the binary: the app icon and the
// app's metadata file, the one source of truth for name, ID and version.
package resources

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the app icon.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)
