// Package queue is ProcLab's cross-process queue, in the role of Python's
// multiprocessing.Queue: producer and consumer children, and a broker in the parent that
// holds a bounded buffer between them.
//
// Flow control is by credits: the broker grants each producer the right to send a number
// of messages, and the sum of granted-unused credits, queued messages and delivered but
// unacknowledged messages never exceeds the capacity. A full queue therefore shows as a
// producer without credits instead of bytes piling up in an OS pipe. Messages travel in
// batches (about a thousand at full speed) and consumers acknowledge whole batches; a
// batch a dead consumer held goes back to the front of the queue. Every acknowledged
// message is ticked off per (producer, sequence number), so the end of a run proves that
// each produced message was consumed exactly once.
package queue

import (
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"dev.proclab/ipc"
)

// Frame types of the queue protocol.
const (
	TBatch   = ipc.TUser + 0 // producer → broker: [count u32] + count messages
	TDone    = ipc.TUser + 1 // producer → broker: [total u64]: finished, this many made
	TCredit  = ipc.TUser + 2 // broker → producer: [n u32] more messages may be sent
	TDeliver = ipc.TUser + 3 // broker → consumer: [batch u64][count u32] + messages
	TPill    = ipc.TUser + 4 // broker → consumer: poison pill, finish and exit
	TAck     = ipc.TUser + 5 // consumer → broker: [batch u64][count u32][crc u32][k u16] + k latencies (i64 ns)
)

// MsgSize is the encoded size of one message.
const MsgSize = 40

// Message is one queue item as it travels.
type Message struct {
	ID       uuid.UUID
	Producer uint32
	Seq      uint64    // 0, 1, 2… per producer
	Time     time.Time // when the producer made it
}

// Layout, little-endian: uuid[0:16] producer[16:20] seq[20:28] unix-nanos[28:36], 4 spare.
func putMessage(b []byte, id *[16]byte, producer uint32, seq uint64, nanos int64) {
	copy(b[0:16], id[:])
	binary.LittleEndian.PutUint32(b[16:20], producer)
	binary.LittleEndian.PutUint64(b[20:28], seq)
	binary.LittleEndian.PutUint64(b[28:36], uint64(nanos))
	binary.LittleEndian.PutUint32(b[36:40], 0)
}

func msgProducer(b []byte) uint32 { return binary.LittleEndian.Uint32(b[16:20]) }
func msgSeq(b []byte) uint64      { return binary.LittleEndian.Uint64(b[20:28]) }
func msgNanos(b []byte) int64     { return int64(binary.LittleEndian.Uint64(b[28:36])) }

func readMessage(b []byte) Message {
	var m Message
	copy(m.ID[:], b[0:16])
	m.Producer = msgProducer(b)
	m.Seq = msgSeq(b)
	m.Time = time.Unix(0, msgNanos(b))
	return m
}

const (
	batchHead   = 4  // producer's batch: count
	deliverHead = 12 // broker's delivery: batch ID, count
	ackHead     = 18 // batch ID, count, crc, samples
	maxSamples  = 16 // latency samples per acknowledged batch
)
