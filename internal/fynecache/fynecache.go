// Package fynecache shortens how long Fyne keeps a text's rendered texture after its
// last use, from one minute to twenty seconds, through FYNE_CACHE, which Fyne reads
// once in its package init. The Queue and Pipe lists show a new text in every row a
// few times a second, so a minute of textures that will never be drawn again held
// about 120 MiB (a running queue: 336 MiB of RSS with the default, 241 MiB with this).
// Not shorter: under twenty seconds Fyne walks an idle window's whole tree at every
// frame to keep its live textures from expiring (threshold 10 s in its event loop).
// main imports this package for its side effect; it depends only on os, so Go
// initialises it before Fyne's packages. A FYNE_CACHE the user set is kept.
package fynecache

import "os"

// TTL is what FYNE_CACHE is set to.
const TTL = "20s"

func init() {
	if _, set := os.LookupEnv("FYNE_CACHE"); !set {
		os.Setenv("FYNE_CACHE", TTL)
	}
}
