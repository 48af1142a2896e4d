package queue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"dev.proclab/ipc"
)

// Config describes one run.
type Config struct {
	Producers int // 1–8 producer processes
	Consumers int // 1–8 consumer processes
	// Capacity bounds messages produced and not yet acknowledged, wherever they are:
	// credited to a producer, queued, in a pipe or held by a consumer.
	Capacity int
	// PerProducer is how many messages each producer makes; 0 means until Stop.
	PerProducer int64
	// Total, when set, overrides PerProducer: this many messages split among producers.
	Total int64
	// Rate is messages per second per producer; 0 means as fast as credits allow.
	Rate float64
	// Work is the time a consumer spends on each message.
	Work time.Duration
	// Batch is the largest batch; 0 picks one: about a thousand at full speed, smaller
	// when consumers work per message so acknowledgements (and the view) keep flowing.
	Batch int
	// Group tags the children for the Kill tab ("queue").
	Group string
}

// MaxWorkers bounds producers and consumers.
const MaxWorkers = 8

// DefaultBatch is the batch size at full speed: big enough that per-frame costs vanish,
// small enough that one batch is 40 KB.
const DefaultBatch = 1000

// prefetch is how many batches a consumer may hold unacknowledged: one being worked on
// and the next ones already in its pipe, so it never waits for the broker.
const prefetch = 3

// maxRestarts bounds replacement consumers per run, so a consumer that dies at once
// every time cannot loop forever.
const maxRestarts = 32

func (c *Config) check() error {
	if c.Producers < 1 || c.Producers > MaxWorkers {
		return fmt.Errorf("producers must be 1 to %d, not %d", MaxWorkers, c.Producers)
	}
	if c.Consumers < 1 || c.Consumers > MaxWorkers {
		return fmt.Errorf("consumers must be 1 to %d, not %d", MaxWorkers, c.Consumers)
	}
	if c.Capacity < 1 {
		return fmt.Errorf("capacity must be at least 1, not %d", c.Capacity)
	}
	if c.Rate < 0 || c.Work < 0 || c.PerProducer < 0 || c.Total < 0 {
		return errors.New("rate, work time and message count cannot be negative")
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
		if c.Work > 0 {
			// Acknowledge about every 20 ms of work.
			c.Batch = int(max(1, min(int64(DefaultBatch), int64(20*time.Millisecond/c.Work))))
		}
		if c.Rate > 0 {
			// At a set rate a batch holds what one tick (about 5 ms) makes.
			c.Batch = int(max(1, min(float64(c.Batch), c.Rate/200)))
		}
	}
	if c.Group == "" {
		c.Group = "queue"
	}
	return nil
}

// EventKind says what an Event records.
type EventKind int

const (
	Produced EventKind = iota // the broker received the message
	Consumed                  // a consumer acknowledged it
	Note                      // something happened to the run (a consumer died…)
	Pill                      // a poison pill went to Consumer, or Consumer ended on it
)

// Event is one line of the run's recent history; Seq numbers them in order.
type Event struct {
	Seq      uint64
	Kind     EventKind
	At       time.Time
	Msg      Message
	Consumer int    // for Consumed and Pill
	Text     string // for Note and Pill
}

// WorkerStat is one producer or consumer as the view shows it.
type WorkerStat struct {
	ID    int
	PID   int
	State string // "producing", "blocked on full queue", "consuming", "idle", "finished"…
	Count int64  // produced or consumed
	Held  int    // consumer: messages delivered and not acknowledged
	Ended bool   // its process has ended (finished, killed, crashed)
}

// Stats is a snapshot of the run.
type Stats struct {
	Running, Stopping    bool
	Capacity             int
	Produced, Consumed   int64
	Depth, InFlight      int   // queued; delivered and not acknowledged
	Credited             int   // granted to producers, not yet used
	Redelivered          int64 // messages put back after a consumer died
	Elapsed              time.Duration
	PerSecond            float64 // consumed per second, recent
	P50, P99             time.Duration
	Producers, Consumers []WorkerStat
	Notes                []string // the run's last few notes, oldest first
}

// Result is how a finished run ended.
type Result struct {
	Produced, Consumed int64
	Duplicates         int64 // acknowledgements of an already acknowledged (producer, seq)
	Missing            int64 // produced (producer, seq) never acknowledged
	Redelivered        int64
	Restarts           int
	Elapsed            time.Duration
	P50, P99           time.Duration
	Err                error // nil when every produced message was consumed exactly once
}

type batch struct {
	id       uint64
	producer *producer
	first    uint64
	n        int
	crc      uint32
	buf      []byte // delivery payload: header and messages
	pill     bool
	refs     atomic.Int32 // broker + writers still using buf
}

type producer struct {
	id      int
	child   *core.Child
	credit  int    // granted, not yet used
	next    uint64 // next expected seq = produced so far
	quota   int64  // messages to make; 0 = until stopped
	said    int64  // total from its done frame, -1 before
	ended   bool
	seen    seen
	pending atomic.Int64 // credits waiting for the writer
	wake    chan struct{}
}

type consumer struct {
	id       int
	child    *core.Child
	held     map[uint64]*batch
	heldMsgs int
	out      chan *batch
	pilled   bool
	ended    bool
	count    int64
}

// Queue is one run: its children and the broker between them.
type Queue struct {
	sup *core.Supervisor
	cfg Config

	mu          sync.Mutex
	start       time.Time
	items       []*batch // FIFO; head at index 0
	depth       int
	inflight    int
	credited    int
	produced    int64
	consumed    int64
	dups        int64
	redelivered int64
	restarts    int
	nextBatch   uint64
	nextCons    int
	grantTurn   int
	producers   []*producer
	consumers   []*consumer
	stopping    bool
	pillsIssued bool
	failure     error
	finished    bool
	result      Result
	done        chan struct{}

	events  [eventRing]Event
	eventN  uint64
	notes   []string // the last few notes, for the view
	lat     [latRing]time.Duration
	latN    int
	rateAt  time.Time
	rateN   int64
	rateVal float64
}

const (
	eventRing = 512
	latRing   = 8192
)

var bufPool sync.Pool

// Start spawns the consumers and producers and runs the broker until the producers are
// done (PerProducer) or Stop, and every consumer has taken its poison pill.
func Start(sup *core.Supervisor, cfg Config) (*Queue, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	q := &Queue{sup: sup, cfg: cfg, done: make(chan struct{}), start: time.Now()}
	q.rateAt = q.start
	for i := 1; i <= cfg.Producers; i++ {
		quota := cfg.PerProducer
		if cfg.Total > 0 {
			quota = cfg.Total / int64(cfg.Producers)
			if int64(i) <= cfg.Total%int64(cfg.Producers) {
				quota++
			}
			if quota == 0 {
				continue // more producers than messages
			}
		}
		q.producers = append(q.producers, &producer{id: i, quota: quota, said: -1, wake: make(chan struct{}, 1)})
	}
	q.mu.Lock()
	for i := 0; i < cfg.Consumers; i++ {
		q.addConsumerLocked()
	}
	consumers := append([]*consumer(nil), q.consumers...)
	q.mu.Unlock()
	for _, c := range consumers {
		if err := q.spawnConsumer(c); err != nil {
			q.Kill()
			return nil, err
		}
	}
	for _, p := range q.producers {
		if err := q.spawnProducer(p); err != nil {
			q.Kill()
			return nil, err
		}
	}
	q.mu.Lock()
	q.grantLocked()
	q.mu.Unlock()
	return q, nil
}

func (q *Queue) spawnProducer(p *producer) error {
	child, err := q.sup.Start(core.Spec{
		Role: RoleProducer, Args: producerArgs(p.id, p.quota, q.cfg.Rate, q.cfg.Batch),
		Label: fmt.Sprintf("producer %d", p.id), Group: q.cfg.Group,
		OnFrame: func(c *core.Child, f ipc.Frame) { q.fromProducer(p, c, f) },
	})
	if err != nil {
		return fmt.Errorf("start producer %d: %w", p.id, err)
	}
	q.mu.Lock()
	p.child = child
	q.mu.Unlock()
	go q.creditWriter(p)
	go q.watchProducer(p)
	return nil
}

// addConsumerLocked makes the record; spawnConsumer starts its process.
func (q *Queue) addConsumerLocked() *consumer {
	q.nextCons++
	c := &consumer{id: q.nextCons, held: map[uint64]*batch{}, out: make(chan *batch, prefetch+2)}
	q.consumers = append(q.consumers, c)
	return c
}

func (q *Queue) spawnConsumer(c *consumer) error {
	child, err := q.sup.Start(core.Spec{
		Role: RoleConsumer, Args: consumerArgs(c.id, q.cfg.Work),
		Label: fmt.Sprintf("consumer %d", c.id), Group: q.cfg.Group,
		OnFrame: func(ch *core.Child, f ipc.Frame) { q.fromConsumer(c, ch, f) },
	})
	if err != nil {
		q.mu.Lock()
		c.ended = true
		close(c.out)
		q.mu.Unlock()
		return fmt.Errorf("start consumer %d: %w", c.id, err)
	}
	q.mu.Lock()
	c.child = child
	q.dispatchLocked()
	q.mu.Unlock()
	go q.deliveryWriter(c, child)
	go q.watchConsumer(c)
	return nil
}

// creditWriter sends a producer its credits, coalesced, so the broker never blocks on
// a producer's pipe.
func (q *Queue) creditWriter(p *producer) {
	for range p.wake {
		n := p.pending.Swap(0)
		if n == 0 {
			continue
		}
		if err := p.child.Send(TCredit, binary.LittleEndian.AppendUint32(nil, uint32(n))); err != nil {
			return
		}
	}
}

// deliveryWriter writes batches and pills to one consumer, in order, off the broker's lock.
func (q *Queue) deliveryWriter(c *consumer, child *core.Child) {
	broken := false
	for b := range c.out {
		if !broken {
			var err error
			if b.pill {
				err = child.Send(TPill, nil)
			} else {
				err = child.Send(TDeliver, b.buf)
			}
			broken = err != nil
		}
		b.release()
	}
}

func (b *batch) release() {
	if b.refs.Add(-1) == 0 && b.buf != nil {
		bufPool.Put(b.buf[:0])
		b.buf = nil
	}
}

// fromProducer takes a producer's frame on its reader goroutine.
func (q *Queue) fromProducer(p *producer, child *core.Child, f ipc.Frame) {
	switch f.Type {
	case TBatch:
		if len(f.Payload) < batchHead {
			q.protocol(child, "sent a batch without a header")
			return
		}
		n := int(binary.LittleEndian.Uint32(f.Payload))
		msgs := f.Payload[batchHead:]
		if n < 1 || len(msgs) != n*MsgSize {
			q.protocol(child, fmt.Sprintf("sent a batch that says %d messages but holds %d bytes", n, len(msgs)))
			return
		}
		q.mu.Lock()
		first := p.next
		q.mu.Unlock()
		// Check every message before trusting the batch: right producer, no gap.
		for i := 0; i < n; i++ {
			m := msgs[i*MsgSize:]
			if msgProducer(m) != uint32(p.id) || msgSeq(m) != first+uint64(i) {
				q.protocol(child, fmt.Sprintf("sent message %d/%d out of sequence (producer %d seq %d, want %d/%d)",
					i, n, msgProducer(m), msgSeq(m), p.id, first+uint64(i)))
				return
			}
		}
		buf, _ := bufPool.Get().([]byte)
		buf = binary.LittleEndian.AppendUint64(buf[:0], 0)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
		buf = append(buf, msgs...)
		b := &batch{producer: p, first: first, n: n, buf: buf, crc: crc32.Checksum(msgs, castagnoliTable())}
		b.refs.Store(1)
		now := time.Now()

		q.mu.Lock()
		if credit := p.credit; n > credit {
			q.mu.Unlock()
			q.protocol(child, fmt.Sprintf("sent %d messages on %d credits", n, credit))
			return
		}
		q.nextBatch++
		b.id = q.nextBatch
		binary.LittleEndian.PutUint64(b.buf[0:8], b.id)
		p.credit -= n
		q.credited -= n
		p.next += uint64(n)
		q.produced += int64(n)
		q.depth += n
		q.items = append(q.items, b)
		for i := max(0, n-4); i < n; i++ {
			q.eventLocked(Event{Kind: Produced, At: now, Msg: readMessage(msgs[i*MsgSize:])})
		}
		q.dispatchLocked()
		q.mu.Unlock()
	case TDone:
		if len(f.Payload) == 8 {
			q.mu.Lock()
			p.said = int64(binary.LittleEndian.Uint64(f.Payload))
			q.mu.Unlock()
		}
	default:
		q.protocol(child, fmt.Sprintf("sent frame type %d, which producers do not send", f.Type))
	}
}

// fromConsumer takes a consumer's acknowledgement on its reader goroutine.
func (q *Queue) fromConsumer(c *consumer, child *core.Child, f ipc.Frame) {
	if f.Type != TAck || len(f.Payload) < ackHead {
		q.protocol(child, fmt.Sprintf("sent frame type %d (%d bytes), not an acknowledgement", f.Type, len(f.Payload)))
		return
	}
	p := f.Payload
	id := binary.LittleEndian.Uint64(p[0:8])
	n := int(binary.LittleEndian.Uint32(p[8:12]))
	crc := binary.LittleEndian.Uint32(p[12:16])
	k := int(binary.LittleEndian.Uint16(p[16:18]))
	if len(p) != ackHead+8*k {
		q.protocol(child, "sent a malformed acknowledgement")
		return
	}
	now := time.Now()
	q.mu.Lock()
	b := c.held[id]
	if b == nil || b.n != n || b.crc != crc {
		q.mu.Unlock()
		q.protocol(child, fmt.Sprintf("acknowledged batch %d (%d messages) that does not match what it was given", id, n))
		return
	}
	delete(c.held, id)
	c.heldMsgs -= n
	c.count += int64(n)
	q.inflight -= n
	q.consumed += int64(n)
	// The exactly-once ledger: each (producer, seq) may be acknowledged once.
	q.dups += int64(b.producer.seen.mark(b.first, n))
	for i := 0; i < k; i++ {
		q.lat[q.latN%latRing] = time.Duration(binary.LittleEndian.Uint64(p[ackHead+8*i:]))
		q.latN++
	}
	msgs := b.buf[deliverHead:]
	for i := max(0, n-4); i < n; i++ {
		q.eventLocked(Event{Kind: Consumed, At: now, Consumer: c.id, Msg: readMessage(msgs[i*MsgSize:])})
	}
	q.grantLocked()
	q.dispatchLocked()
	q.checkDoneLocked()
	q.mu.Unlock()
	b.release()
}

// protocol kills a child that broke the queue protocol; its watcher does the rest.
func (q *Queue) protocol(child *core.Child, what string) {
	if child != nil {
		child.Kill(fmt.Sprintf("killed: broke the queue protocol: %s", what))
	}
}

// reservedLocked is what counts against the capacity.
func (q *Queue) reservedLocked() int { return q.credited + q.depth + q.inflight }

// grantLocked shares free capacity among producers still at work. Each holds at most a
// few batches' worth, so one fast producer cannot starve the others.
func (q *Queue) grantLocked() {
	if q.stopping {
		return
	}
	var live []*producer
	for _, p := range q.producers {
		if !p.ended && p.child != nil && (p.quota == 0 || int64(p.next)+int64(p.credit) < p.quota) {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return
	}
	limit := max(1, min(q.cfg.Capacity/len(live), 4*q.cfg.Batch))
	// Start with a different producer each time, so whoever asks first does not always
	// get the room an acknowledgement frees.
	q.grantTurn++
	for i := range live {
		p := live[(i+q.grantTurn)%len(live)]
		free := q.cfg.Capacity - q.reservedLocked()
		if free <= 0 {
			return
		}
		give := min(free, limit-p.credit)
		if p.quota > 0 {
			give = min(give, int(p.quota-int64(p.next))-p.credit)
		}
		if give <= 0 {
			continue
		}
		p.credit += give
		q.credited += give
		p.pending.Add(int64(give))
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// dispatchLocked hands queued batches to consumers with room, least loaded first.
func (q *Queue) dispatchLocked() {
	for len(q.items) > 0 {
		var best *consumer
		for _, c := range q.consumers {
			if c.ended || c.pilled || c.child == nil || len(c.held) >= prefetch {
				continue
			}
			if best == nil || len(c.held) < len(best.held) {
				best = c
			}
		}
		if best == nil {
			return
		}
		b := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		if b.pill {
			best.pilled = true
			q.eventLocked(Event{Kind: Pill, At: time.Now(), Consumer: best.id,
				Text: fmt.Sprintf("poison pill sent to consumer %d", best.id)})
		} else {
			q.depth -= b.n
			q.inflight += b.n
			best.heldMsgs += b.n
		}
		best.held[b.id] = b
		b.refs.Add(1)
		best.out <- b
	}
}

func (q *Queue) watchProducer(p *producer) {
	<-p.child.Done()
	info := p.child.Info()
	q.mu.Lock()
	p.ended = true
	close(p.wake)
	q.credited -= p.credit
	p.credit = 0
	if info.State == core.Failed || info.State == core.Killed {
		q.noteLocked(fmt.Sprintf("producer %d ended: %s", p.id, info.Reason))
	} else if p.said >= 0 && uint64(p.said) != p.next {
		q.failLocked(fmt.Errorf("producer %d says it made %d messages, the broker received %d", p.id, p.said, p.next))
	}
	q.grantLocked()
	q.pillsLocked()
	q.checkDoneLocked()
	q.mu.Unlock()
}

// pillsLocked queues one poison pill per consumer once every producer has ended.
func (q *Queue) pillsLocked() {
	if q.pillsIssued {
		return
	}
	for _, p := range q.producers {
		if !p.ended {
			return
		}
	}
	q.pillsIssued = true
	for _, c := range q.consumers {
		if !c.ended {
			q.items = append(q.items, &batch{pill: true, id: q.newIDLocked()})
		}
	}
	q.dispatchLocked()
}

func (q *Queue) newIDLocked() uint64 { q.nextBatch++; return q.nextBatch }

func (q *Queue) watchConsumer(c *consumer) {
	<-c.child.Done()
	info := c.child.Info()
	q.mu.Lock()
	c.ended = true
	close(c.out)
	var back []*batch
	tookPill := false
	for _, b := range c.held {
		if b.pill {
			tookPill = true
			continue
		}
		back = append(back, b)
	}
	clean := tookPill && len(back) == 0 && info.State == core.Exited
	if clean {
		q.eventLocked(Event{Kind: Pill, At: time.Now(), Consumer: c.id,
			Text: fmt.Sprintf("consumer %d took its poison pill and exited", c.id)})
	}
	var replacement *consumer
	if !clean {
		sort.Slice(back, func(i, j int) bool { return back[i].id < back[j].id })
		msgs := 0
		for _, b := range back {
			msgs += b.n
		}
		// What it held goes back to the front, to be delivered before anything newer.
		q.items = append(back, q.items...)
		q.depth += msgs
		q.inflight -= msgs
		q.redelivered += int64(msgs)
		c.held = map[uint64]*batch{}
		c.heldMsgs = 0
		if tookPill {
			q.items = append(q.items, &batch{pill: true, id: q.newIDLocked()})
		}
		text := fmt.Sprintf("consumer %d ended (%s): %s it held went back to the queue", c.id, info.Reason, numfmt.Count(msgs, "message", "messages"))
		if !q.finished && q.failure == nil {
			if q.restarts < maxRestarts {
				q.restarts++
				replacement = q.addConsumerLocked()
				text += fmt.Sprintf("; consumer %d takes its place", replacement.id)
			} else {
				q.failLocked(fmt.Errorf("consumers keep dying (%d replaced); the last: %s", q.restarts, info.Reason))
			}
		}
		q.noteLocked(text)
	}
	c.held = map[uint64]*batch{}
	q.dispatchLocked()
	q.checkDoneLocked()
	q.mu.Unlock()
	if replacement != nil {
		if err := q.spawnConsumer(replacement); err != nil {
			q.mu.Lock()
			q.failLocked(err)
			q.checkDoneLocked()
			q.mu.Unlock()
		}
	}
}

func (q *Queue) failLocked(err error) {
	if q.failure == nil {
		q.failure = err
		q.noteLocked("run failed: " + err.Error())
	}
	// A failed run cannot balance: end every child so Done comes.
	go q.Kill()
}

// checkDoneLocked ends the run when every child has ended.
func (q *Queue) checkDoneLocked() {
	if q.finished {
		return
	}
	for _, p := range q.producers {
		if !p.ended {
			return
		}
	}
	for _, c := range q.consumers {
		if !c.ended {
			return
		}
	}
	q.finished = true
	r := Result{Produced: q.produced, Consumed: q.consumed, Duplicates: q.dups, Redelivered: q.redelivered,
		Restarts: q.restarts, Elapsed: time.Since(q.start)}
	r.P50, r.P99 = q.percentilesLocked()
	var extra int64
	for _, p := range q.producers {
		m, x := p.seen.missing(p.next)
		r.Missing += int64(m)
		extra += int64(x)
	}
	switch {
	case q.failure != nil:
		r.Err = q.failure
	case r.Duplicates > 0 || r.Missing > 0 || extra > 0:
		r.Err = fmt.Errorf("exactly-once broken: %d duplicates, %d missing, %d never produced", r.Duplicates, r.Missing, extra)
	case q.depth > 0 || q.inflight > 0:
		r.Err = fmt.Errorf("%d messages left undelivered", q.depth+q.inflight)
	}
	if r.Err == nil {
		q.noteLocked(fmt.Sprintf("done: %s produced, %s consumed, each exactly once", numfmt.Thousands(r.Produced), numfmt.Thousands(r.Consumed)))
	}
	q.result = r
	close(q.done)
}

func (q *Queue) eventLocked(e Event) {
	q.eventN++
	e.Seq = q.eventN
	q.events[q.eventN%eventRing] = e
}

func (q *Queue) noteLocked(text string) {
	now := time.Now()
	q.eventLocked(Event{Kind: Note, At: now, Text: text})
	q.notes = append(q.notes, now.Format("15:04:05.000")+"  "+text)
	if len(q.notes) > maxNotes {
		q.notes = q.notes[len(q.notes)-maxNotes:]
	}
}

const maxNotes = 6

func (q *Queue) percentilesLocked() (p50, p99 time.Duration) {
	return percentiles(q.samplesLocked())
}

func (q *Queue) samplesLocked() []time.Duration {
	return append([]time.Duration(nil), q.lat[:min(q.latN, latRing)]...)
}

// percentiles sorts s in place.
func percentiles(s []time.Duration) (p50, p99 time.Duration) {
	n := len(s)
	if n == 0 {
		return 0, 0
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[n*50/100], s[min(n-1, n*99/100)]
}

// Stop ends production: producers finish their current batch and exit, the queue drains,
// then every consumer takes one poison pill and exits. Wait on Done for the result.
func (q *Queue) Stop() {
	q.mu.Lock()
	if q.stopping || q.finished {
		q.mu.Unlock()
		return
	}
	q.stopping = true
	q.noteLocked("stop: producers finish, the queue drains, then one poison pill per consumer")
	var ps []*core.Child
	for _, p := range q.producers {
		if p.child != nil && !p.ended {
			ps = append(ps, p.child)
		}
	}
	q.mu.Unlock()
	for _, c := range ps {
		c.Terminate(5 * time.Second)
	}
}

// Kill ends every child of the run at once; the run ends with whatever was acknowledged.
func (q *Queue) Kill() { q.kill("the run was killed before it finished", "killed: queue run aborted") }

// KillBecause kills the run as Kill does, no consumer replaced; reason is each child's
// exit reason, and the run's failure says it ("killed by user (kill all)").
func (q *Queue) KillBecause(reason string) {
	q.kill("the run was killed before it finished: "+reason, reason)
}

func (q *Queue) kill(failure, reason string) {
	q.mu.Lock()
	q.stopping = true
	if q.failure == nil && !q.finished {
		q.failure = errors.New(failure)
	}
	var cs []*core.Child
	for _, p := range q.producers {
		if p.child != nil {
			cs = append(cs, p.child)
		}
	}
	for _, c := range q.consumers {
		if c.child != nil {
			cs = append(cs, c.child)
		}
	}
	q.mu.Unlock()
	for _, c := range cs {
		c.Kill(reason)
	}
}

// KillConsumer kills one live consumer (the one holding the most, to show the
// redelivery) and returns its ID, or 0 if none is alive.
func (q *Queue) KillConsumer() int {
	q.mu.Lock()
	var pick *consumer
	for _, c := range q.consumers {
		if c.ended || c.child == nil || c.pilled {
			continue
		}
		if pick == nil || c.heldMsgs > pick.heldMsgs {
			pick = c
		}
	}
	q.mu.Unlock()
	if pick == nil {
		return 0
	}
	pick.child.Kill("killed by user from the Queue tab")
	return pick.id
}

// Done is closed when the run has ended.
func (q *Queue) Done() <-chan struct{} { return q.done }

// Wait waits for the end of the run (or ctx) and returns its result.
func (q *Queue) Wait(ctx context.Context) (Result, error) {
	select {
	case <-q.done:
		return q.Result(), nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Result is the run's outcome; valid after Done.
func (q *Queue) Result() Result {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.result
}

// Config returns the run's settings, with defaults filled in.
func (q *Queue) Config() Config { return q.cfg }

// Events returns up to the last eventRing events numbered after after, oldest first.
func (q *Queue) Events(after uint64) []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	from := max(after+1, q.eventN-min(q.eventN, eventRing-1))
	out := make([]Event, 0, q.eventN+1-min(from, q.eventN+1))
	for s := from; s <= q.eventN; s++ {
		out = append(out, q.events[s%eventRing])
	}
	return out
}

// Stats is a snapshot for the view.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	s, lat := q.statsLocked()
	q.mu.Unlock()
	// Sort the latency samples off the lock: acknowledgements need it.
	s.P50, s.P99 = percentiles(lat)
	return s
}

func (q *Queue) statsLocked() (Stats, []time.Duration) {
	now := time.Now()
	s := Stats{
		Running: !q.finished, Stopping: q.stopping, Capacity: q.cfg.Capacity,
		Produced: q.produced, Consumed: q.consumed, Depth: q.depth, InFlight: q.inflight,
		Credited: q.credited, Redelivered: q.redelivered, Elapsed: now.Sub(q.start),
	}
	if q.finished {
		s.Elapsed = q.result.Elapsed
	}
	// Throughput over the last half second or so, refreshed as snapshots are taken.
	if dt := now.Sub(q.rateAt); dt >= 400*time.Millisecond {
		q.rateVal = float64(q.consumed-q.rateN) / dt.Seconds()
		q.rateAt, q.rateN = now, q.consumed
	}
	if q.finished {
		q.rateVal = 0
	}
	s.PerSecond = q.rateVal
	s.Notes = append([]string(nil), q.notes...)
	lat := q.samplesLocked()
	full := q.cfg.Capacity-q.reservedLocked() <= 0
	for _, p := range q.producers {
		w := WorkerStat{ID: p.id, Count: int64(p.next)}
		if p.child != nil {
			w.PID = p.child.PID()
		}
		w.Ended = p.ended
		switch {
		case p.ended:
			w.State = "finished"
			if i := p.child.Info(); i.State != core.Exited {
				w.State = i.State.String()
			}
		case q.stopping:
			w.State = "stopping"
		case p.credit == 0 && full:
			w.State = "blocked on full queue"
		case p.credit == 0:
			w.State = "waiting for credits"
		default:
			w.State = "producing"
		}
		s.Producers = append(s.Producers, w)
	}
	for _, c := range q.consumers {
		w := WorkerStat{ID: c.id, Count: c.count, Held: c.heldMsgs}
		if c.child != nil {
			w.PID = c.child.PID()
		}
		w.Ended = c.ended
		switch {
		case c.ended:
			w.State = "finished"
			if c.child == nil {
				w.State = "failed to start"
			} else if i := c.child.Info(); i.State != core.Exited {
				w.State = i.State.String()
			}
		case c.pilled:
			w.State = "took its poison pill"
		case len(c.held) > 0:
			w.State = "consuming"
		default:
			w.State = "idle: queue empty"
		}
		s.Consumers = append(s.Consumers, w)
	}
	return s, lat
}
