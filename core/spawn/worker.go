package spawn

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"dev.proclab/core"
	"dev.proclab/ipc"
	"dev.proclab/ipc/ipcjson"
)

// RoleWorker is the role name of a worker process.
const RoleWorker = "spawn-worker"

// Roles are the child roles this package adds; role.Table lists them.
var Roles = core.Roles{RoleWorker: roleWorker}

// A child in one of these roles starts it as soon as this package is initialised.
func init() { core.ClaimRole(Roles) }

// Frame types between the parent and a worker.
const (
	tJob      = ipc.TUser + iota // parent → worker: a jobMsg
	tProgress                    // worker → parent: a progressMsg, at most every progressEvery
	tResult                      // worker → parent: a resultMsg
)

// progressEvery bounds the progress frames: 20 a second per worker is plenty for a bar.
const progressEvery = 50 * time.Millisecond

type jobMsg struct {
	Task  string `json:"task"`
	Chunk Chunk  `json:"chunk"`
}

type progressMsg struct {
	Done int64 `json:"done"`
}

type resultMsg struct {
	Partial Partial `json:"partial"`
	Nanos   int64   `json:"nanos"` // compute time inside the worker
}

// roleWorker computes every chunk it is sent until it is asked to stop.
func roleWorker(c *core.Conn) int {
	for {
		select {
		case <-c.Stop():
			return 0
		case f := <-c.Frames():
			if f.Type != tJob {
				continue
			}
			var j jobMsg
			if err := json.Unmarshal(f.Payload, &j); err != nil {
				fmt.Fprintf(os.Stderr, "spawn worker: bad job from the parent: %v\n", err)
				return 2
			}
			t := FindTask(j.Task)
			if t == nil {
				fmt.Fprintf(os.Stderr, "spawn worker: unknown task %q\n", j.Task)
				return 2
			}
			start := time.Now()
			last := start
			p, ok := t.Run(j.Chunk, func(done int64) {
				if now := time.Now(); now.Sub(last) >= progressEvery {
					last = now
					ipcjson.Send(c, tProgress, progressMsg{Done: done})
				}
			}, c.Stopping)
			if !ok {
				return 0
			}
			if err := ipcjson.Send(c, tResult, resultMsg{Partial: p, Nanos: int64(time.Since(start))}); err != nil {
				return core.ExitParentGone
			}
		}
	}
}
