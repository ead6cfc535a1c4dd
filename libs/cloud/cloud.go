// Package cloud is the root of small interfaces over the AWS services the
// programs use, each with an AWS implementation (aws-sdk-go-v2) and a local
// one, picked by configuration with an explicit switch:
//
//   - blob: objects (S3, a local folder, memory)
//   - queue: messages with acknowledgement and dead-lettering (SQS, memory)
//   - secrets: secret values and their versions (Secrets Manager, a file)
//   - params: parameters by name and by path (SSM Parameter Store, a map)
//
// Programs ask for logical names ("exports", "order-events"); the
// environment's configuration (libs/config, shared.blobs and shared.queues)
// maps them to physical ones, usually through ssm:// references that
// Terraform publishes. Errors about a missing resource name both.
//
// This package holds what the implementations share: sentinel errors and
// the AWS client settings (default credential chain, endpoint override for
// emulators, retries with backoff; every call takes its deadline from ctx).
package cloud

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Sentinel errors shared by every implementation; match with errors.Is.
var (
	// ErrNotFound means the object, message, secret, version or parameter does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoResource means the bucket, queue or folder behind a logical name does not exist.
	ErrNoResource = errors.New("resource does not exist")
	// ErrNotConfigured means a logical name has no mapping in the configuration.
	ErrNotConfigured = errors.New("not configured")
	// ErrInvalid means a bad argument (an empty key, a bad TTL, an unknown type).
	ErrInvalid = errors.New("invalid argument")
)

// Resource names a resource by the name programs use and the name it has
// in the environment.
type Resource struct {
	Kind     string // "blob store", "queue"
	Logical  string // "exports"
	Physical string // "acme-dev-exports" (bucket), a queue URL, a folder
}

func (r Resource) String() string {
	return fmt.Sprintf("%s %q (%s)", r.Kind, r.Logical, r.Physical)
}

// Missing returns ErrNoResource naming both names.
func (r Resource) Missing(cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrNoResource, r)
	}
	return fmt.Errorf("%w: %s: %v", ErrNoResource, r, cause)
}

// Retryer is the retry policy of the cloud clients: the SDK's standard
// retryer (exponential backoff with jitter on throttling, 5xx and transport
// errors), up to 5 attempts, backoff capped at 5 s.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 5
		o.MaxBackoff = 5 * time.Second
	})
}

// UsesEmulator reports whether cfg points at an endpoint override (moto,
// LocalStack): S3 then needs path-style addressing.
func UsesEmulator(cfg aws.Config) bool {
	return cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != ""
}
