// Package testsup gives a test a supervisor that logs nothing and, when the test ends,
// stops every child it started, failing the test if one will not go. Only tests import it.
package testsup

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"dev.proclab/core"
)

// New returns a supervisor whose children are stopped (1 s grace, then killed) when t ends.
func New(t testing.TB) *core.Supervisor {
	t.Helper()
	s, err := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx, time.Second); err != nil {
			t.Errorf("children still running after the test: %v", err)
		}
	})
	return s
}

// Run runs m's tests, after the test binary has had its chance to be a child
// (core.RunIfChild). Under -race a child would sleep a second before exiting
// (atexit_sleep_ms): that slows every test and blurs the exit timing some of them read.
func Run(m *testing.M) int {
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	return m.Run()
}
