package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/queue"
	"github.com/acme/platform/libs/cloud/queue/queuetest"
	"github.com/acme/platform/libs/config/components"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	queuetest.RunSuite(t, func(t *testing.T, spec queuetest.Spec) (queue.Queue, queue.Queue) {
		dead := queue.NewMemory("dead", queue.MemoryOptions{})
		q := queue.NewMemory("order-events", queue.MemoryOptions{Visibility: spec.Visibility, MaxReceives: spec.MaxReceives, DeadLetter: dead})
		return q, dead
	})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	queues := map[string]components.Queue{"order-events": {Type: "memory"}, "odd": {Type: "kafka"}}
	ctx := context.Background()
	if q, err := queue.Open(ctx, "order-events", queues, queue.Options{}); err != nil {
		t.Fatal(err)
	} else if _, ok := q.(*queue.Memory); !ok {
		t.Errorf("order-events is %T", q)
	}
	if _, err := queue.Open(ctx, "odd", queues, queue.Options{}); !errors.Is(err, cloud.ErrInvalid) {
		t.Errorf("Open(odd) = %v", err)
	}
	if _, err := queue.Open(ctx, "nope", queues, queue.Options{}); !errors.Is(err, cloud.ErrNotConfigured) || !strings.Contains(err.Error(), "shared.queues.nope") {
		t.Errorf("Open(nope) = %v", err)
	}
}

func TestMemoryDeadLetterWithoutQueue(t *testing.T) {
	t.Parallel()
	q := queue.NewMemory("q", queue.MemoryOptions{})
	ctx := context.Background()
	if _, err := q.Send(ctx, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Receive(ctx, 1, 0)
	if err != nil || len(msgs) != 1 {
		t.Fatal(msgs, err)
	}
	if err := q.DeadLetter(ctx, msgs[0]); !errors.Is(err, cloud.ErrInvalid) {
		t.Errorf("DeadLetter without a dead-letter queue = %v", err)
	}
}
