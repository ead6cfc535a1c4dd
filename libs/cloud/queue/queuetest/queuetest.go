// Package queuetest is the behavioural suite every queue.Queue
// implementation passes (memory and SQS on moto).
package queuetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/queue"
)

// Spec is the queue a subtest asks for.
type Spec struct {
	// Visibility is the visibility timeout.
	Visibility time.Duration
	// MaxReceives dead-letters a message after this many receives.
	MaxReceives int
}

// NewFunc returns a new empty queue built to spec and its dead-letter queue.
type NewFunc func(t *testing.T, spec Spec) (q, dead queue.Queue)

// RunSuite runs the suite.
func RunSuite(t *testing.T, newQueue NewFunc) {
	ctx := context.Background()
	spec := Spec{Visibility: 30 * time.Second, MaxReceives: 5}
	receiveOne := func(t *testing.T, q queue.Queue, wait time.Duration) queue.Message {
		t.Helper()
		deadline := time.Now().Add(wait + 5*time.Second)
		for time.Now().Before(deadline) {
			msgs, err := q.Receive(ctx, 1, wait)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if len(msgs) == 1 {
				return msgs[0]
			}
		}
		t.Fatal("no message received")
		return queue.Message{}
	}
	empty := func(t *testing.T, q queue.Queue) {
		t.Helper()
		msgs, err := q.Receive(ctx, 10, 0)
		if err != nil || len(msgs) != 0 {
			t.Fatalf("Receive = %d messages, %v; want none", len(msgs), err)
		}
	}

	t.Run("send receive ack", func(t *testing.T) {
		t.Parallel()
		q, _ := newQueue(t, spec)
		id, err := q.Send(ctx, []byte(`{"order":"o-1"}`), map[string]string{"type": "order.created"})
		if err != nil || id == "" {
			t.Fatalf("Send = %q, %v", id, err)
		}
		m := receiveOne(t, q, time.Second)
		if diff := cmp.Diff(queue.Message{ID: id, Body: []byte(`{"order":"o-1"}`), Attributes: map[string]string{"type": "order.created"}, Receives: 1},
			m, cmpIgnoreReceipt); diff != "" {
			t.Errorf("received (-want +got):\n%s", diff)
		}
		if m.Receipt == "" {
			t.Error("no receipt")
		}
		empty(t, q) // invisible while being handled
		if err := q.Ack(ctx, m); err != nil {
			t.Fatal(err)
		}
		empty(t, q)
	})

	t.Run("unacked message comes back", func(t *testing.T) {
		t.Parallel()
		q, _ := newQueue(t, Spec{Visibility: time.Second, MaxReceives: 5})
		if _, err := q.Send(ctx, []byte("again"), nil); err != nil {
			t.Fatal(err)
		}
		first := receiveOne(t, q, time.Second)
		second := receiveOne(t, q, 2*time.Second)
		if second.ID != first.ID || second.Receives != 2 || string(second.Body) != "again" {
			t.Errorf("redelivery = %+v after %+v", second, first)
		}
		if err := q.Ack(ctx, second); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("dead letter after max receives", func(t *testing.T) {
		t.Parallel()
		q, dead := newQueue(t, Spec{Visibility: time.Second, MaxReceives: 2})
		id, err := q.Send(ctx, []byte("poison"), nil)
		if err != nil {
			t.Fatal(err)
		}
		receiveOne(t, q, time.Second)
		receiveOne(t, q, 2*time.Second)
		time.Sleep(1100 * time.Millisecond)
		// The third receive moves it instead of delivering it.
		msgs, err := q.Receive(ctx, 10, time.Second)
		if err != nil || len(msgs) != 0 {
			t.Fatalf("third receive = %v, %v; want nothing", msgs, err)
		}
		m := receiveOne(t, dead, time.Second)
		if string(m.Body) != "poison" {
			t.Errorf("dead letter = %+v (sent %s)", m, id)
		}
	})

	t.Run("explicit dead letter", func(t *testing.T) {
		t.Parallel()
		q, dead := newQueue(t, spec)
		if _, err := q.Send(ctx, []byte("unparseable"), map[string]string{"k": "v"}); err != nil {
			t.Fatal(err)
		}
		m := receiveOne(t, q, time.Second)
		if err := q.DeadLetter(ctx, m); err != nil {
			t.Fatal(err)
		}
		d := receiveOne(t, dead, time.Second)
		if string(d.Body) != "unparseable" || d.Attributes["k"] != "v" {
			t.Errorf("dead letter = %+v", d)
		}
		empty(t, q)
	})

	t.Run("long poll waits for a send", func(t *testing.T) {
		t.Parallel()
		q, _ := newQueue(t, spec)
		go func() {
			time.Sleep(300 * time.Millisecond)
			_, _ = q.Send(context.Background(), []byte("late"), nil)
		}()
		start := time.Now()
		msgs, err := q.Receive(ctx, 1, 5*time.Second)
		if err != nil || len(msgs) != 1 || string(msgs[0].Body) != "late" {
			t.Fatalf("Receive = %v, %v", msgs, err)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("long poll returned after %s", d)
		}
	})

	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		q, _ := newQueue(t, spec)
		for range 5 {
			if _, err := q.Send(ctx, []byte("b"), nil); err != nil {
				t.Fatal(err)
			}
		}
		got := 0
		for deadline := time.Now().Add(10 * time.Second); got < 5 && time.Now().Before(deadline); {
			msgs, err := q.Receive(ctx, 10, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if err := q.Ack(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			got += len(msgs)
		}
		if got != 5 {
			t.Errorf("received %d of 5", got)
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		t.Parallel()
		q, _ := newQueue(t, spec)
		for _, c := range []struct {
			max  int
			wait time.Duration
		}{{0, 0}, {11, 0}, {1, -time.Second}, {1, time.Minute}} {
			if _, err := q.Receive(ctx, c.max, c.wait); !errors.Is(err, cloud.ErrInvalid) {
				t.Errorf("Receive(%d, %s) = %v, want ErrInvalid", c.max, c.wait, err)
			}
		}
	})
}

var cmpIgnoreReceipt = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Receipt" }, cmp.Ignore())
