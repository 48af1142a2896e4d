package queue

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"dev.proclab/core"
)

// Roles are the queue's child roles, for dev.proclab/role's table.
var Roles = core.Roles{
	RoleProducer: runProducer,
	RoleConsumer: runConsumer,
}

// A child in one of these roles starts it as soon as this package is initialised.
func init() { core.ClaimRole(Roles) }

// Role names.
const (
	RoleProducer = "queue-producer"
	RoleConsumer = "queue-consumer"
)

// castagnoliTable is built on first use: building it at init cost every child, whatever
// its role, about a tenth of its start-up.
var castagnoliTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// producerArgs: ID, messages to make (0 = until stopped), rate per second (0 = as fast
// as credits allow), largest batch.
func producerArgs(id int, count int64, rate float64, batch int) []string {
	return []string{strconv.Itoa(id), strconv.FormatInt(count, 10), strconv.FormatFloat(rate, 'g', -1, 64), strconv.Itoa(batch)}
}

func runProducer(c *core.Conn) int {
	if len(c.Args) != 4 {
		fmt.Fprintf(os.Stderr, "queue producer: want 4 arguments (id count rate batch), got %q\n", c.Args)
		return 2
	}
	id, _ := strconv.Atoi(c.Args[0])
	count, _ := strconv.ParseInt(c.Args[1], 10, 64)
	rate, _ := strconv.ParseFloat(c.Args[2], 64)
	batchMax, _ := strconv.Atoi(c.Args[3])
	if batchMax < 1 {
		batchMax = 1
	}
	// UUIDs from a fast seeded generator: crypto/rand per message would cost more than
	// the whole trip through the queue. Version 4 layout, random enough to tell apart.
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	buf := make([]byte, batchHead+batchMax*MsgSize)
	var seq uint64
	credit := 0
	start := time.Now()
	finish := func() int {
		if err := c.Send(TDone, binary.LittleEndian.AppendUint64(nil, seq)); err != nil {
			return core.ExitParentGone
		}
		return 0
	}
	take := func(f []byte) {
		if len(f) == 4 {
			credit += int(binary.LittleEndian.Uint32(f))
		}
	}
	var timer *time.Timer
	for {
		// Pick up credits that already arrived, without waiting.
		for drained := false; !drained; {
			select {
			case f := <-c.Frames():
				if f.Type == TCredit {
					take(f.Payload)
				}
			case <-c.Stop():
				return finish()
			default:
				drained = true
			}
		}
		want := int64(batchMax)
		if count > 0 {
			want = min(want, count-int64(seq))
			if want == 0 {
				return finish()
			}
		}
		var wait time.Duration
		if rate > 0 {
			due := int64(time.Since(start).Seconds()*rate) + 1 - int64(seq)
			if due <= 0 {
				next := start.Add(time.Duration(float64(seq) / rate * float64(time.Second)))
				wait = max(time.Until(next), 50*time.Microsecond)
			}
			want = min(want, due)
		}
		if n := int(min(want, int64(credit))); n > 0 {
			now := time.Now().UnixNano()
			binary.LittleEndian.PutUint32(buf, uint32(n))
			var u [16]byte
			for i := 0; i < n; i++ {
				binary.LittleEndian.PutUint64(u[0:8], rng.Uint64())
				binary.LittleEndian.PutUint64(u[8:16], rng.Uint64())
				u[6] = u[6]&0x0f | 0x40
				u[8] = u[8]&0x3f | 0x80
				putMessage(buf[batchHead+i*MsgSize:], &u, uint32(id), seq, now)
				seq++
			}
			credit -= n
			if err := c.Send(TBatch, buf[:batchHead+n*MsgSize]); err != nil {
				return core.ExitParentGone
			}
			continue
		}
		// Nothing to send: out of credits (the queue is full) or ahead of the rate.
		var tick <-chan time.Time
		if wait > 0 && credit > 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			tick = timer.C
		}
		select {
		case f := <-c.Frames():
			if f.Type == TCredit {
				take(f.Payload)
			}
		case <-tick:
		case <-c.Stop():
			return finish()
		}
	}
}

// consumerArgs: ID, work time per message.
func consumerArgs(id int, work time.Duration) []string {
	return []string{strconv.Itoa(id), strconv.FormatInt(int64(work), 10)}
}

func runConsumer(c *core.Conn) int {
	if len(c.Args) != 2 {
		fmt.Fprintf(os.Stderr, "queue consumer: want 2 arguments (id work), got %q\n", c.Args)
		return 2
	}
	work, _ := strconv.ParseInt(c.Args[1], 10, 64)
	ack := make([]byte, 0, ackHead+maxSamples*8)
	for {
		select {
		case f := <-c.Frames():
			switch f.Type {
			case TPill:
				return 0
			case TDeliver:
				if len(f.Payload) < deliverHead {
					fmt.Fprintln(os.Stderr, "queue consumer: delivery too short")
					return 1
				}
				n := int(binary.LittleEndian.Uint32(f.Payload[8:12]))
				msgs := f.Payload[deliverHead:]
				if len(msgs) != n*MsgSize {
					fmt.Fprintf(os.Stderr, "queue consumer: delivery says %d messages but holds %d bytes\n", n, len(msgs))
					return 1
				}
				ack = ack[:ackHead]
				copy(ack[0:12], f.Payload[0:12])
				binary.LittleEndian.PutUint32(ack[12:16], crc32.Checksum(msgs, castagnoliTable()))
				step := max(1, n/maxSamples)
				k := 0
				now := time.Now().UnixNano()
				for i := 0; i < n; i++ {
					m := msgs[i*MsgSize:]
					if work > 0 {
						time.Sleep(time.Duration(work))
						now = time.Now().UnixNano()
					}
					// Sample evenly, and always the first (oldest) message.
					if i%step == 0 && k < maxSamples {
						ack = binary.LittleEndian.AppendUint64(ack, uint64(now-msgNanos(m)))
						k++
					}
				}
				binary.LittleEndian.PutUint16(ack[16:18], uint16(k))
				if err := c.Send(TAck, ack); err != nil {
					return core.ExitParentGone
				}
			}
		case <-c.Stop():
			return 0
		}
	}
}
