// Package params reads configuration parameters by name and by path: SSM
// Parameter Store in the cloud (where Terraform publishes bucket names,
// endpoints and queue URLs under /<project>/<env>/), a map from the
// configuration locally. The SSM implementation reuses libs/config's
// provider, the one that resolves ssm:// references.
package params

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/config"
)

// Store reads parameters.
type Store interface {
	// Get returns the parameter at its full path ("/acme/dev/s3/exports/bucket").
	Get(ctx context.Context, path string) (string, error)
	// GetByPath returns every parameter under path, recursively, by full name.
	GetByPath(ctx context.Context, path string) (map[string]string, error)
}

var (
	_ Store = (*SSM)(nil)
	_ Store = Map(nil)
)

// SSM is the AWS implementation.
type SSM struct{ p *config.ParameterStore }

// NewSSMClient returns a client with the cloud retry policy.
func NewSSMClient(cfg aws.Config) *ssm.Client {
	return ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.Retryer = cloud.Retryer() })
}

// NewSSM returns the store over client.
func NewSSM(client config.SSMAPI) *SSM { return &SSM{p: config.NewParameterStore(client)} }

// Get implements Store.
func (s *SSM) Get(ctx context.Context, path string) (string, error) {
	v, err := s.p.GetParameter(ctx, path)
	if err != nil {
		return "", notFound(err)
	}
	return v.Value.Reveal(), nil
}

// GetByPath implements Store.
func (s *SSM) GetByPath(ctx context.Context, path string) (map[string]string, error) {
	all, err := s.p.ParametersByPath(ctx, path)
	if err != nil {
		return nil, notFound(err)
	}
	out := make(map[string]string, len(all))
	for k, v := range all {
		out[k] = v.Value.Reveal()
	}
	return out, nil
}

// Map is the local implementation: parameters from the configuration.
type Map map[string]string

// Get implements Store.
func (m Map) Get(ctx context.Context, path string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	v, ok := m[path]
	if !ok {
		return "", fmt.Errorf("%w: parameter %s", cloud.ErrNotFound, path)
	}
	return v, nil
}

// GetByPath implements Store.
func (m Map) GetByPath(ctx context.Context, path string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(path, "/") + "/"
	out := map[string]string{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

func notFound(err error) error {
	if errors.Is(err, config.ErrNotFound) && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("%w: %w", cloud.ErrNotFound, err)
	}
	return err
}
