// Package queue sends and receives messages with at-least-once delivery:
// SQS in the cloud, memory locally and in tests. A received message stays
// invisible for the visibility timeout; Ack deletes it, and a message that
// is received too often without an Ack (or that DeadLetter is called on)
// moves to the dead-letter queue.
package queue

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/config/components"
)

// Queue is a message queue. Bodies are text (JSON); SQS accepts no arbitrary bytes.
type Queue interface {
	// Send enqueues a message and returns its id.
	Send(ctx context.Context, body []byte, attrs map[string]string) (string, error)
	// Receive returns up to max (1..10) visible messages, waiting up to wait
	// (at most 20 s) for the first one. No message is no error.
	Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error)
	// Ack deletes a received message: it was handled.
	Ack(ctx context.Context, m Message) error
	// DeadLetter moves a received message to the dead-letter queue now (a
	// poison message that no retry will fix).
	DeadLetter(ctx context.Context, m Message) error
}

// Message is a received message.
type Message struct {
	ID         string
	Body       []byte
	Attributes map[string]string
	// Receives counts the deliveries of this message, this one included.
	Receives int
	// Receipt identifies this delivery for Ack and DeadLetter.
	Receipt string
}

var (
	_ Queue = (*Memory)(nil)
	_ Queue = (*SQS)(nil)
)

// Options are what Open needs besides the configuration.
type Options struct {
	// AWS is the SDK configuration for sqs queues.
	AWS aws.Config
	// Memory configures memory queues (visibility, dead-lettering).
	Memory MemoryOptions
}

// Open returns the queue behind the logical name as queues (shared.queues of
// the configuration) maps it.
func Open(ctx context.Context, logical string, queues map[string]components.Queue, opts Options) (Queue, error) {
	cfg, ok := queues[logical]
	if !ok {
		var names []string
		for k := range queues {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w: queue %q: add shared.queues.%s to the configuration (configured: %s)", cloud.ErrNotConfigured, logical, logical, strings.Join(names, ", "))
	}
	switch cfg.Type {
	case "sqs":
		return NewSQS(NewSQSClient(opts.AWS), logical, cfg.URL), nil
	case "memory":
		return NewMemory(logical, opts.Memory), nil
	default:
		return nil, fmt.Errorf("%w: queue %q: unknown type %q (sqs, memory)", cloud.ErrInvalid, logical, cfg.Type)
	}
}

// NewSQSClient returns an SQS client with the cloud retry policy.
func NewSQSClient(cfg aws.Config) *sqs.Client {
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.Retryer = cloud.Retryer() })
}

func checkReceive(max int, wait time.Duration) error {
	if max < 1 || max > 10 {
		return fmt.Errorf("%w: receive max %d: must be 1..10", cloud.ErrInvalid, max)
	}
	if wait < 0 || wait > 20*time.Second {
		return fmt.Errorf("%w: receive wait %s: must be 0..20s", cloud.ErrInvalid, wait)
	}
	return nil
}
