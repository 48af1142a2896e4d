package cli

import (
	"regexp"
	"strconv"
)

// Meta is what FyneApp.toml says about the app; main embeds that file and hands it over,
// so the version exists in exactly one place.
type Meta struct {
	Name    string
	ID      string
	Version string
	Build   int
}

var tomlKey = regexp.MustCompile(`(?m)^\s*(Name|ID|Version|Build)\s*=\s*"?([^"\n]*)"?\s*$`)

// ParseMeta reads the [Details] keys ProcLab needs from FyneApp.toml.
func ParseMeta(toml string) Meta {
	m := Meta{Name: "ProcLab", ID: "dev.proclab.app", Version: "0.0.0"}
	for _, kv := range tomlKey.FindAllStringSubmatch(toml, -1) {
		switch kv[1] {
		case "Name":
			m.Name = kv[2]
		case "ID":
			m.ID = kv[2]
		case "Version":
			m.Version = kv[2]
		case "Build":
			m.Build, _ = strconv.Atoi(kv[2])
		}
	}
	return m
}
