package core

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"dev.proclab/ipc"
)

// Behaviour roles: small children whose only job is to show how processes live and end.
// The Kill tab starts them; tests and benchmarks use them too.

// Behaviours lists the demo roles by name.
var Behaviours = Roles{
	"idle":        RoleIdle,
	"echo":        RoleEcho,
	"busy":        RoleBusy,
	"grow":        RoleGrow,
	"ignore-stop": RoleIgnoreStop,
	"hang":        RoleHang,
	"crash":       RoleCrash,
	"exit":        RoleExit,
}

func init() { ClaimRole(Behaviours) }

// catchStopAtOnce lists the roles that treat SIGTERM as a stop request from their first
// instant, not from 50 ms in (see runChild): ignore-stop shows a child that receives the
// request and ignores it, so Terminate must escalate to a kill even right after its start.
var catchStopAtOnce = map[string]bool{"ignore-stop": true}

// RoleIdle waits for the stop request and exits 0: a well-behaved worker.
func RoleIdle(c *Conn) int {
	<-c.Stop()
	return 0
}

// RoleEcho sends every frame back unchanged until stopped: the pipe peer's simplest form.
func RoleEcho(c *Conn) int {
	c.Serve(func(f ipc.Frame) {
		if err := c.Send(f.Type, f.Payload); err != nil {
			os.Exit(ExitParentGone)
		}
	})
	return 0
}

// RoleBusy spins one core at 100% until stopped.
func RoleBusy(c *Conn) int {
	x := uint64(1)
	for i := 0; ; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		if i&0xfffff == 0 && c.Stopping() {
			runtime.KeepAlive(x)
			return 0
		}
	}
}

// RoleGrow allocates and touches memory (Args[0] MiB a second, default 20) until stopped.
func RoleGrow(c *Conn) int {
	rate := argInt(c, 0, 20)
	var hoard [][]byte
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-c.Stop():
			return 0
		case <-t.C:
			b := make([]byte, rate<<20/10)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1 // touch every page so it is resident, not just reserved
			}
			hoard = append(hoard, b)
		}
	}
}

// RoleIgnoreStop notes the stop request and carries on, so only a kill ends it.
func RoleIgnoreStop(c *Conn) int {
	<-c.Stop()
	fmt.Fprintln(os.Stderr, "stop request received; ignoring it")
	select {}
}

// RoleHang blocks forever without using CPU and answers nothing.
func RoleHang(c *Conn) int { select {} }

// RoleCrash panics after Args[0] seconds (default 3).
func RoleCrash(c *Conn) int {
	select {
	case <-time.After(time.Duration(argInt(c, 0, 3)) * time.Second):
		panic("simulated crash: the worker hit a bug")
	case <-c.Stop():
		return 0
	}
}

// RoleExit exits at once with the code in Args[0].
func RoleExit(c *Conn) int { return argInt(c, 0, 0) }

func argInt(c *Conn, i, def int) int {
	if i < len(c.Args) {
		if n, err := strconv.Atoi(c.Args[i]); err == nil {
			return n
		}
	}
	return def
}
