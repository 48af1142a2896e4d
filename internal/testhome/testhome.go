// Package testhome runs a package's tests with a temporary home, cache and config
// folder, so neither they nor the ProcLab commands and children they start touch the
// user's log or preferences. Only tests import it.
package testhome

import (
	"os"
	"testing"

	"dev.proclab/internal/testsup"
)

// Run runs m's tests in a temporary home and returns the exit code for os.Exit.
func Run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "proclab-test-home-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LocalAppData", "AppData"} {
		os.Setenv(k, tmp)
	}
	return testsup.Run(m)
}
