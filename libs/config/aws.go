package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// AWS is the shared.aws section: where the AWS APIs are.
type AWS struct {
	// Region is the AWS region of the environment.
	Region string `yaml:"region" validate:"required"`
	// Endpoint overrides the endpoint of every AWS service, for an emulator
	// such as moto (http://127.0.0.1:5000). Empty in the cloud. Set it for one
	// run with SHARED__AWS__ENDPOINT.
	Endpoint string `yaml:"endpoint" validate:"omitempty,url"`
}

// NewAWSConfig loads the AWS SDK configuration from the default credential
// chain (environment, profile, web identity, EKS Pod Identity, instance role)
// for s, with bounded timeouts and few retries, so that an unreachable
// endpoint fails in seconds instead of hanging.
func NewAWSConfig(ctx context.Context, s AWS) (aws.Config, error) {
	httpClient := awshttp.NewBuildableClient().
		WithTimeout(10 * time.Second).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 3 * time.Second })
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(httpClient),
		awsconfig.WithRetryMaxAttempts(2),
		// The SDK's own warnings (IMDS fallbacks) would go straight to
		// stderr; failures reach the caller as errors instead.
		awsconfig.WithLogger(logging.Nop{}),
	}
	if s.Region != "" {
		opts = append(opts, awsconfig.WithRegion(s.Region))
	}
	if s.Endpoint != "" {
		// An emulator: never ask the EC2 instance metadata address for
		// credentials on the way to it.
		opts = append(opts, awsconfig.WithBaseEndpoint(s.Endpoint), awsconfig.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws configuration: %w", err)
	}
	return cfg, nil
}

// SecretsManagerAPI is the part of the Secrets Manager client this package uses.
type SecretsManagerAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager is the AWS secret provider: secret://<name> reads the
// secret <prefix><name> (such as acme/dev/orders-db).
type SecretsManager struct {
	client SecretsManagerAPI
	prefix string
}

var _ SecretProvider = (*SecretsManager)(nil)

// NewSecretsManager returns a provider reading names under prefix.
func NewSecretsManager(client SecretsManagerAPI, prefix string) *SecretsManager {
	return &SecretsManager{client: client, prefix: prefix}
}

// GetSecret returns the current version of the secret.
func (s *SecretsManager) GetSecret(ctx context.Context, name string) (Versioned, error) {
	id := s.prefix + name
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return Versioned{}, awsError("secrets manager", "secret "+id, err)
	}
	v := aws.ToString(out.SecretString)
	if out.SecretString == nil {
		v = string(out.SecretBinary)
	}
	return Versioned{Value: NewSecret(v), Version: aws.ToString(out.VersionId)}, nil
}

// SSMAPI is the part of the SSM client this package uses.
type SSMAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// ParameterStore is the SSM Parameter Store provider for ssm:// references:
// Terraform publishes bucket names and endpoints under
// /<project>/<env>/.
type ParameterStore struct {
	client SSMAPI
}

var _ ParamProvider = (*ParameterStore)(nil)

// NewParameterStore returns a provider over client.
func NewParameterStore(client SSMAPI) *ParameterStore { return &ParameterStore{client: client} }

// GetParameter returns a parameter (SecureString decrypted) and its version.
func (p *ParameterStore) GetParameter(ctx context.Context, path string) (Versioned, error) {
	out, err := p.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(path), WithDecryption: aws.Bool(true)})
	if err != nil {
		return Versioned{}, awsError("ssm", "parameter "+path, err)
	}
	return Versioned{Value: NewSecret(aws.ToString(out.Parameter.Value)), Version: strconv.FormatInt(out.Parameter.Version, 10)}, nil
}

// awsError maps an SDK error to the package's sentinels: a missing resource
// is ErrNotFound; a transport, timeout or credentials failure is
// ErrUnavailable; any other API error keeps its code.
func awsError(service, what string, err error) error {
	var smNotFound *smtypes.ResourceNotFoundException
	var ssmNotFound *ssmtypes.ParameterNotFound
	var api smithy.APIError
	switch {
	case errors.As(err, &smNotFound), errors.As(err, &ssmNotFound):
		return fmt.Errorf("%w: %s does not exist", ErrNotFound, what)
	case errors.As(err, &api):
		return fmt.Errorf("%s: %s: %s: %s", service, what, api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Errorf("%w: %s: cannot reach AWS for %s (check credentials, network and shared.aws.endpoint): %v", ErrUnavailable, service, what, err)
}
