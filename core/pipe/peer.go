// Package pipe is ProcLab's duplex pipe, in the role of Python's multiprocessing.Pipe:
// the parent holds one end, a child peer the other. Requests carry an ID so several can
// be in flight and replies are matched to them whatever order they come back in; when
// the peer dies, every request still waiting fails with the reason.
package pipe

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"dev.proclab/ipc"
)

// Frame types of the pipe protocol.
const (
	TRequest = ipc.TUser + 8  // parent → peer: [id u64] command text
	TReply   = ipc.TUser + 9  // peer → parent: [id u64][status u8] text (status 1: error)
	TPing    = ipc.TUser + 10 // parent → peer: [id u64]
	TPong    = ipc.TUser + 11 // peer → parent: [id u64], answered at once
)

// RolePeer is the peer's role name.
const RolePeer = "pipe-peer"

// Roles are the pipe's child roles, for dev.proclab/role's table.
var Roles = core.Roles{RolePeer: runPeer}

// A child in one of these roles starts it as soon as this package is initialised.
func init() { core.ClaimRole(Roles) }

// Commands lists what the peer understands, as examples the view can offer.
var Commands = []string{"square 12", "primes 1000000", "sha256 hello, pipe", "sleep 2", "echo hello", "crash"}

// Limits keep one request from taking the machine.
const (
	maxPrimes = 500_000_000
	maxSleep  = 60 * time.Second
)

func runPeer(c *core.Conn) int {
	// Serve reads requests on this goroutine: a ping is answered without a goroutine hop.
	c.Serve(func(f ipc.Frame) {
		switch f.Type {
		case TPing:
			if c.Send(TPong, f.Payload) != nil {
				os.Exit(core.ExitParentGone)
			}
		case TRequest:
			if len(f.Payload) < 8 {
				return
			}
			req := append([]byte(nil), f.Payload...) // the frame's buffer is reused
			// Each request runs on its own, so a slow one does not hold up the rest:
			// that is why replies carry the request's ID.
			go func() {
				out, err := Run(string(req[8:]))
				rep := append([]byte(nil), req[:8]...)
				if err != nil {
					rep = append(append(rep, 1), err.Error()...)
				} else {
					rep = append(append(rep, 0), out...)
				}
				c.Send(TReply, rep)
			}()
		}
	})
	return 0
}

// Run carries out one command, as the peer does.
func Run(cmd string) (string, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(cmd), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(verb) {
	case "square":
		n, ok := new(big.Int).SetString(rest, 10)
		if !ok {
			return "", fmt.Errorf("square needs a whole number, e.g. 'square 12', not %q", rest)
		}
		base := numfmt.Digits(n.String())
		if n.Sign() < 0 {
			base = "(" + base + ")" // -5² reads as -(5²)
		}
		return fmt.Sprintf("%s² = %s", base, numfmt.Digits(new(big.Int).Mul(n, n).String())), nil
	case "primes":
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > maxPrimes {
			return "", fmt.Errorf("primes needs a number from 0 to %s, e.g. 'primes 1000000'", numfmt.Thousands(maxPrimes))
		}
		count, largest := primes(n)
		if count == 0 {
			return fmt.Sprintf("no primes up to %s", numfmt.Thousands(n)), nil
		}
		return fmt.Sprintf("%s up to %s (largest %s)", numfmt.Count(count, "prime", "primes"), numfmt.Thousands(n),
			numfmt.Thousands(largest)), nil
	case "sha256":
		sum := sha256.Sum256([]byte(rest))
		return hex.EncodeToString(sum[:]), nil
	case "sleep":
		s, err := strconv.ParseFloat(rest, 64)
		d := time.Duration(s * float64(time.Second))
		if err != nil || d < 0 || d > maxSleep {
			return "", fmt.Errorf("sleep needs seconds from 0 to %d, e.g. 'sleep 2'", int(maxSleep.Seconds()))
		}
		time.Sleep(d)
		return "slept " + numfmt.Duration(d), nil
	case "echo":
		return rest, nil
	case "crash":
		fmt.Fprintln(os.Stderr, "crash requested: the peer exits as if it hit a bug")
		panic("simulated crash: the peer was asked to crash")
	case "":
		return "", errors.New("empty command")
	default:
		return "", fmt.Errorf("unknown command %q: try square N, primes N, sha256 TEXT, sleep S, echo TEXT or crash", verb)
	}
}

// primes counts the primes up to n with a sieve of odd numbers.
func primes(n int) (count, largest int) {
	if n < 2 {
		return 0, 0
	}
	count, largest = 1, 2
	composite := make([]bool, n/2+1) // index i stands for 2i+1
	for i := 1; 2*i+1 <= n; i++ {
		if composite[i] {
			continue
		}
		p := 2*i + 1
		count++
		largest = p
		for j := p * p / 2; j < len(composite); j += p {
			composite[j] = true
		}
	}
	return count, largest
}

// Reply is how one request ended.
type Reply struct {
	ID   uint64
	Cmd  string
	Text string // the peer's answer
	Err  error  // the peer's error, or why no answer came
	Sent time.Time
	RTT  time.Duration // send to reply
}

type call struct {
	cmd  string
	sent time.Time
	done func(Reply)
	pong chan time.Duration
}

// ErrPeerGone is wrapped by the error of every request the peer never answered.
var ErrPeerGone = errors.New("pipe peer is gone")

// Peer is the parent's end of the pipe.
type Peer struct {
	child *core.Child

	mu      sync.Mutex
	next    uint64
	pending map[uint64]*call
	gone    error
}

// Start starts a peer and waits for its hello.
func Start(ctx context.Context, sup *core.Supervisor, group string) (*Peer, error) {
	if group == "" {
		group = "pipe"
	}
	p := &Peer{pending: map[uint64]*call{}}
	child, err := sup.StartReady(ctx, core.Spec{Role: RolePeer, Label: "pipe peer", Group: group,
		OnFrame: func(_ *core.Child, f ipc.Frame) { p.onFrame(f) }})
	if err != nil {
		return nil, fmt.Errorf("start the pipe peer: %w", err)
	}
	p.child = child
	go p.watch()
	return p, nil
}

// PID is the peer's process ID.
func (p *Peer) PID() int { return p.child.PID() }

// Child is the peer's process, for its state and exit reason.
func (p *Peer) Child() *core.Child { return p.child }

// Done is closed when the peer has ended and its pending requests have failed.
func (p *Peer) Done() <-chan struct{} { return p.child.Done() }

func (p *Peer) watch() {
	<-p.child.Done()
	info := p.child.Info()
	err := fmt.Errorf("%w: the peer (PID %d) ended before answering (%s); start a new peer", ErrPeerGone, info.PID, info.Reason)
	p.mu.Lock()
	p.gone = err
	calls := p.pending
	p.pending = map[uint64]*call{}
	p.mu.Unlock()
	ids := make([]uint64, 0, len(calls))
	for id := range calls {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		c := calls[id]
		if c.pong != nil {
			close(c.pong)
			continue
		}
		c.done(Reply{ID: id, Cmd: c.cmd, Err: err, Sent: c.sent, RTT: time.Since(c.sent)})
	}
}

func (p *Peer) onFrame(f ipc.Frame) {
	if len(f.Payload) < 8 || (f.Type != TReply && f.Type != TPong) {
		p.child.Kill(fmt.Sprintf("killed: broke the pipe protocol (frame type %d, %d bytes)", f.Type, len(f.Payload)))
		return
	}
	now := time.Now()
	id := binary.LittleEndian.Uint64(f.Payload)
	p.mu.Lock()
	c := p.pending[id]
	delete(p.pending, id)
	p.mu.Unlock()
	if c == nil {
		p.child.Kill(fmt.Sprintf("killed: broke the pipe protocol (a reply to request %d, which is not waiting)", id))
		return
	}
	if f.Type == TPong {
		c.pong <- now.Sub(c.sent)
		return
	}
	if len(f.Payload) < 9 {
		p.child.Kill("killed: broke the pipe protocol (a reply without a status)")
		return
	}
	r := Reply{ID: id, Cmd: c.cmd, Sent: c.sent, RTT: now.Sub(c.sent), Text: string(f.Payload[9:])}
	if f.Payload[8] != 0 {
		r.Err, r.Text = errors.New(r.Text), ""
	}
	// done runs on the reader goroutine: callers hand the reply on and return.
	c.done(r)
}

// NumberAfter makes the next request's ID last+1 (when last is higher than the
// peer's own count): a caller that replaces a dead peer keeps one series of request
// IDs, so "#3" names one request, not one per peer.
func (p *Peer) NumberAfter(last uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = max(p.next, last)
}

// LastID is the ID of the latest request sent (0 before the first).
func (p *Peer) LastID() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next
}

// register reserves an ID; it fails once the peer is gone.
func (p *Peer) register(c *call) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone != nil {
		return 0, p.gone
	}
	p.next++
	p.pending[p.next] = c
	return p.next, nil
}

func (p *Peer) forget(id uint64) {
	p.mu.Lock()
	delete(p.pending, id)
	p.mu.Unlock()
}

// Send sends a command and returns its ID at once; done gets the reply (or the error
// that ended the wait) exactly once, on a background goroutine, and must not block.
func (p *Peer) Send(cmd string, done func(Reply)) (uint64, error) {
	c := &call{cmd: cmd, done: done, sent: time.Now()}
	id, err := p.register(c)
	if err != nil {
		return 0, err
	}
	msg := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(cmd)), id)
	if err := p.child.Send(TRequest, append(msg, cmd...)); err != nil {
		// The watcher fails it if the peer died; otherwise fail it here.
		p.mu.Lock()
		_, still := p.pending[id]
		delete(p.pending, id)
		p.mu.Unlock()
		if still {
			return 0, fmt.Errorf("%w: sending to the peer: %v", ErrPeerGone, err)
		}
	}
	return id, nil
}

// Do sends a command and waits for its reply.
func (p *Peer) Do(ctx context.Context, cmd string) Reply {
	ch := make(chan Reply, 1)
	id, err := p.Send(cmd, func(r Reply) { ch <- r })
	if err != nil {
		return Reply{Cmd: cmd, Err: err}
	}
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		p.forget(id)
		return Reply{ID: id, Cmd: cmd, Err: ctx.Err()}
	}
}

// Latency summarises a ping-pong run.
type Latency struct {
	N             int
	P50, P99, Max time.Duration
	Mean          time.Duration
}

// PingPong sends n pings, one in flight at a time, and reports the round trips.
func (p *Peer) PingPong(ctx context.Context, n int) (Latency, error) {
	if n < 1 {
		return Latency{}, fmt.Errorf("ping-pong needs at least one message, not %d", n)
	}
	rtts := make([]time.Duration, 0, n)
	var msg [8]byte
	for i := 0; i < n; i++ {
		c := &call{cmd: "ping", pong: make(chan time.Duration, 1)}
		id, err := p.register(c)
		if err != nil {
			return Latency{}, err
		}
		binary.LittleEndian.PutUint64(msg[:], id)
		c.sent = time.Now()
		if err := p.child.Send(TPing, msg[:]); err != nil {
			p.forget(id)
			return Latency{}, fmt.Errorf("%w: sending a ping: %v", ErrPeerGone, err)
		}
		select {
		case d, ok := <-c.pong:
			if !ok {
				p.mu.Lock()
				err := p.gone
				p.mu.Unlock()
				return Latency{}, err
			}
			rtts = append(rtts, d)
		case <-ctx.Done():
			p.forget(id)
			return Latency{}, ctx.Err()
		}
	}
	return summarise(rtts), nil
}

func summarise(d []time.Duration) Latency {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	n := len(d)
	return Latency{N: n, P50: d[n*50/100], P99: d[min(n-1, n*99/100)], Max: d[n-1], Mean: sum / time.Duration(n)}
}

// Pending counts requests waiting for a reply.
func (p *Peer) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}

// Close asks the peer to stop; requests still waiting fail.
func (p *Peer) Close() { p.child.Terminate(2 * time.Second) }

// Kill ends the peer at once.
func (p *Peer) Kill(reason string) { p.child.Kill(reason) }
