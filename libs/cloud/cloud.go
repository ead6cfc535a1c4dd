// Package cloud is the root of the cloud layer the programs use: blob
// stores (package blob) on gocloud.dev's drivers, S3 in the cloud and a
// folder or memory locally, picked by configuration with an explicit switch.
// Secrets and parameters are not here: libs/config resolves secret:// and
// ssm:// references itself.
//
// Programs ask for logical names ("exports", "dag-bundles"); the
// environment's configuration (libs/config, shared.blobs) maps them to
// physical ones, usually through ssm:// references that Terraform
// publishes. Errors about a missing resource name both.
//
// This package holds what the stores share: sentinel errors, the naming of
// a resource, and the AWS client settings (retries with backoff; path-style
// addressing behind an emulator). Credentials come from the default chain
// (config.NewAWSConfig); every call takes its deadline from ctx.
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
	// ErrNotFound means the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoResource means the bucket or folder behind a logical name does not exist.
	ErrNoResource = errors.New("resource does not exist")
	// ErrNotConfigured means a logical name has no mapping in the configuration.
	ErrNotConfigured = errors.New("not configured")
	// ErrInvalid means a bad argument (a bad key, a bad TTL, an unknown type).
	ErrInvalid = errors.New("invalid argument")
)

// Resource names a resource by the name programs use and the name it has
// in the environment.
type Resource struct {
	Kind     string // "blob store"
	Logical  string // "exports"
	Physical string // "s3://acme-dev-exports/" (bucket and prefix), a folder
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
