package cli

import (
	"context"
	"time"

	"dev.proclab/core"
)

// stopAll ends every child a command started, politely first.
func StopAll(sup *core.Supervisor) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sup.Shutdown(ctx, 2*time.Second)
}
