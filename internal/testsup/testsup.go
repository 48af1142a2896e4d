// Package testsup gives a test a supervisor that logs nothing and, when the test ends,
// stops every child it started, failing the test if one will not go. Only tests import it.
package testsup

import (
	"context"
	"log/slog"
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
