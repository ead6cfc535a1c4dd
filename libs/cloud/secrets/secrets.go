// Package secrets reads secret values and their versions: AWS Secrets
// Manager in the cloud, the local secrets file on a developer's machine.
// Both reuse the providers of libs/config (the same ones that resolve
// secret:// references), adding version listing on top; values stay in
// config.Secret, which never prints.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/config"
)

// Store reads secrets by name (without the environment prefix).
type Store interface {
	// Get returns the current version.
	Get(ctx context.Context, name string) (Value, error)
	// GetVersion returns one version by id.
	GetVersion(ctx context.Context, name, version string) (Value, error)
	// Versions lists the versions the store keeps, newest first.
	Versions(ctx context.Context, name string) ([]Version, error)
}

// Value is one version of a secret.
type Value struct {
	Name    string
	Version string
	Value   config.Secret
}

// Version describes a stored version.
type Version struct {
	ID      string
	Current bool
	Created time.Time
}

var (
	_ Store = (*SecretsManager)(nil)
	_ Store = (*File)(nil)
)

// SecretsManagerAPI is the part of the Secrets Manager client this package uses.
type SecretsManagerAPI interface {
	config.SecretsManagerAPI
	ListSecretVersionIds(context.Context, *secretsmanager.ListSecretVersionIdsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretVersionIdsOutput, error)
}

// SecretsManager is the AWS implementation. Current values come from
// libs/config's provider over the same client.
type SecretsManager struct {
	client  SecretsManagerAPI
	current *config.SecretsManager
	prefix  string
}

// NewSecretsManagerClient returns a client with the cloud retry policy.
func NewSecretsManagerClient(cfg aws.Config) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.Retryer = cloud.Retryer() })
}

// NewSecretsManager reads the secrets <prefix><name> ("acme/dev/" + "orders-db").
func NewSecretsManager(client SecretsManagerAPI, prefix string) *SecretsManager {
	return &SecretsManager{client: client, current: config.NewSecretsManager(client, prefix), prefix: prefix}
}

// Get implements Store.
func (s *SecretsManager) Get(ctx context.Context, name string) (Value, error) {
	v, err := s.current.GetSecret(ctx, name)
	if err != nil {
		return Value{}, notFound(err)
	}
	return Value{Name: name, Version: v.Version, Value: v.Value}, nil
}

// GetVersion implements Store.
func (s *SecretsManager) GetVersion(ctx context.Context, name, version string) (Value, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.prefix + name), VersionId: aws.String(version)})
	if err != nil {
		return Value{}, s.err(name, err)
	}
	v := aws.ToString(out.SecretString)
	if out.SecretString == nil {
		v = string(out.SecretBinary)
	}
	return Value{Name: name, Version: aws.ToString(out.VersionId), Value: config.NewSecret(v)}, nil
}

// Versions implements Store.
func (s *SecretsManager) Versions(ctx context.Context, name string) ([]Version, error) {
	var out []Version
	pages := secretsmanager.NewListSecretVersionIdsPaginator(s.client, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(s.prefix + name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			err = s.err(name, err)
			if !errors.Is(err, cloud.ErrNotFound) {
				// Some emulators answer a listing of a missing secret with
				// a server error: ask for the secret itself to tell.
				if _, gerr := s.Get(ctx, name); errors.Is(gerr, cloud.ErrNotFound) {
					return nil, gerr
				}
			}
			return nil, err
		}
		for _, v := range page.Versions {
			cur := false
			for _, st := range v.VersionStages {
				cur = cur || st == "AWSCURRENT"
			}
			out = append(out, Version{ID: aws.ToString(v.VersionId), Current: cur, Created: aws.ToTime(v.CreatedDate)})
		}
	}
	sortVersions(out)
	return out, nil
}

func (s *SecretsManager) err(name string, err error) error {
	var nf *smtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: secret %s%s (or that version) does not exist", cloud.ErrNotFound, s.prefix, name)
	}
	return fmt.Errorf("secrets manager: secret %s%s: %w", s.prefix, name, err)
}

// File is the local implementation over libs/config's secrets file. The
// file holds one value per secret, so it has exactly one version.
type File struct{ p *config.FileSecrets }

// NewFile reads the secrets file name in fsys; display names it in messages.
func NewFile(fsys fs.FS, name, display string) *File {
	return &File{p: config.NewFileSecrets(fsys, name, display)}
}

// Get implements Store.
func (f *File) Get(ctx context.Context, name string) (Value, error) {
	v, err := f.p.GetSecret(ctx, name)
	if err != nil {
		return Value{}, notFound(err)
	}
	return Value{Name: name, Version: v.Version, Value: v.Value}, nil
}

// GetVersion implements Store: only the current version exists.
func (f *File) GetVersion(ctx context.Context, name, version string) (Value, error) {
	v, err := f.Get(ctx, name)
	if err != nil {
		return Value{}, err
	}
	if v.Version != version {
		return Value{}, fmt.Errorf("%w: secret %q version %s (the secrets file keeps only the current one)", cloud.ErrNotFound, name, version)
	}
	return v, nil
}

// Versions implements Store.
func (f *File) Versions(ctx context.Context, name string) ([]Version, error) {
	v, err := f.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return []Version{{ID: v.Version, Current: true}}, nil
}

// notFound makes libs/config's not-found errors match cloud.ErrNotFound too.
func notFound(err error) error {
	if errors.Is(err, config.ErrNotFound) && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("%w: %w", cloud.ErrNotFound, err)
	}
	return err
}

func sortVersions(v []Version) {
	sort.SliceStable(v, func(i, j int) bool {
		if v[i].Current != v[j].Current {
			return v[i].Current
		}
		return v[i].Created.After(v[j].Created)
	})
}
