package queue

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/acme/platform/libs/cloud"
)

// MemoryOptions configure a memory queue.
type MemoryOptions struct {
	// Visibility is how long a received message stays hidden (default 30 s).
	Visibility time.Duration
	// MaxReceives moves a message to DeadLetter once it was received this
	// often without an Ack (0: never).
	MaxReceives int
	// DeadLetter is the dead-letter queue; nil means none.
	DeadLetter *Memory
}

// Memory is a queue in memory with SQS's delivery rules.
type Memory struct {
	name string
	opts MemoryOptions
	now  func() time.Time

	mu     sync.Mutex
	msgs   []*memMsg
	seq    int
	signal chan struct{} // closed and replaced on every send
}

type memMsg struct {
	id       string
	body     []byte
	attrs    map[string]string
	receives int
	hidden   time.Time
	receipt  string
}

// NewMemory returns an empty queue named name.
func NewMemory(name string, opts MemoryOptions) *Memory {
	if opts.Visibility <= 0 {
		opts.Visibility = 30 * time.Second
	}
	return &Memory{name: name, opts: opts, now: time.Now, signal: make(chan struct{})}
}

// Send implements Queue.
func (q *Memory) Send(ctx context.Context, body []byte, attrs map[string]string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	id := q.name + "-" + strconv.Itoa(q.seq)
	q.msgs = append(q.msgs, &memMsg{id: id, body: append([]byte(nil), body...), attrs: maps.Clone(attrs)})
	close(q.signal)
	q.signal = make(chan struct{})
	return id, nil
}

// Receive implements Queue.
func (q *Memory) Receive(ctx context.Context, limit int, wait time.Duration) ([]Message, error) {
	if err := checkReceive(limit, wait); err != nil {
		return nil, err
	}
	deadline := q.now().Add(wait)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out, signal, next := q.take(limit)
		if len(out) > 0 || !q.now().Before(deadline) {
			return out, nil
		}
		pause := deadline.Sub(q.now())
		if !next.IsZero() && next.Sub(q.now()) < pause {
			pause = max(next.Sub(q.now()), time.Millisecond)
		}
		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-signal:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// take hands out visible messages, dead-lettering those received too often.
// It returns the channel a send will close and when the next hidden
// message becomes visible.
func (q *Memory) take(max int) ([]Message, chan struct{}, time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var out []Message
	var next time.Time
	keep := q.msgs[:0]
	for _, m := range q.msgs {
		if now.Before(m.hidden) {
			if next.IsZero() || m.hidden.Before(next) {
				next = m.hidden
			}
			keep = append(keep, m)
			continue
		}
		if q.opts.MaxReceives > 0 && m.receives >= q.opts.MaxReceives && q.opts.DeadLetter != nil {
			q.opts.DeadLetter.push(m)
			continue
		}
		if len(out) < max {
			m.receives++
			m.hidden = now.Add(q.opts.Visibility)
			m.receipt = m.id + "#" + strconv.Itoa(m.receives)
			out = append(out, Message{ID: m.id, Body: append([]byte(nil), m.body...), Attributes: maps.Clone(m.attrs), Receives: m.receives, Receipt: m.receipt})
		}
		keep = append(keep, m)
	}
	q.msgs = keep
	return out, q.signal, next
}

func (q *Memory) push(m *memMsg) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, &memMsg{id: m.id, body: m.body, attrs: m.attrs})
	close(q.signal)
	q.signal = make(chan struct{})
}

// remove deletes the message with receipt and returns it.
func (q *Memory) remove(receipt string) *memMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, m := range q.msgs {
		if m.receipt == receipt && receipt != "" {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return m
		}
	}
	return nil
}

// Ack implements Queue. Acking a message twice is no error (as on SQS).
func (q *Memory) Ack(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.remove(m.Receipt)
	return nil
}

// DeadLetter implements Queue.
func (q *Memory) DeadLetter(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if q.opts.DeadLetter == nil {
		return fmt.Errorf("%w: queue %q has no dead-letter queue", cloud.ErrInvalid, q.name)
	}
	if mm := q.remove(m.Receipt); mm != nil {
		q.opts.DeadLetter.push(mm)
		return nil
	}
	return fmt.Errorf("%w: message %s is no longer held by this delivery (queue %q)", cloud.ErrNotFound, m.ID, q.name)
}
