package config_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/testenv/moto"
)

// uniqueEnv names an environment prefix of its own per test, so tests share
// one moto server.
func uniqueEnv(t *testing.T) string {
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	return fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
}

func createSecret(t *testing.T, sm *secretsmanager.Client, name, value string) string {
	t.Helper()
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("create secret %s: %v", name, err)
	}
	return aws.ToString(out.VersionId)
}

func putParam(t *testing.T, client *ssm.Client, name, value string, typ ssmtypes.ParameterType) {
	t.Helper()
	_, err := client.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true)})
	if err != nil {
		t.Fatalf("put parameter %s: %v", name, err)
	}
}

func TestIntegrationSecretsManagerGet(t *testing.T) {
	t.Parallel()
	srv := moto.Shared(t)
	sm := secretsmanager.NewFromConfig(srv.AWSConfig())
	env := uniqueEnv(t)
	version := createSecret(t, sm, "acme/"+env+"/orders-db", `{"username":"app","password":"`+plant+`"}`)
	p := config.NewSecretsManager(sm, "acme/"+env+"/")
	ctx := context.Background()

	got, err := p.GetSecret(ctx, "orders-db")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Value.Reveal(), plant) || got.Version != version {
		t.Errorf("GetSecret = version %s, want %s with the planted value", got.Version, version)
	}
	_, err = p.GetSecret(ctx, "missing")
	if !errors.Is(err, config.ErrNotFound) || !strings.Contains(err.Error(), "secret acme/"+env+"/missing does not exist") {
		t.Errorf("missing secret: %v", err)
	}
}

func TestIntegrationRotatedSecretReachesWatcher(t *testing.T) {
	t.Parallel()
	srv := moto.Shared(t)
	cfg := srv.AWSConfig()
	sm := secretsmanager.NewFromConfig(cfg)
	env := uniqueEnv(t)
	createSecret(t, sm, "acme/"+env+"/orders-db", `{"password":"first-password"}`)

	dev := fmt.Sprintf("shared:\n  secrets:\n    provider: aws\n    prefix: acme/%s/\n    watch_interval: 1s\nmy-app:\n  password: secret://orders-db#password\n", env)
	o := opts(map[string]string{"dev.yaml": dev}, "dev")
	o.AWS = &cfg
	a, sec, err := decodeApp(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Password.Reveal() != "first-password" {
		t.Fatalf("password = %q", a.Password.Reveal())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := sec.Watch(ctx, "my-app.password")
	if err != nil {
		t.Fatal(err)
	}

	// Rotate: a new version becomes AWSCURRENT.
	out, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("acme/" + env + "/orders-db"), SecretString: aws.String(`{"password":"rotated-password"}`)})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-ch:
		if v.Value.Reveal() != "rotated-password" || v.Version != aws.ToString(out.VersionId) {
			t.Errorf("watcher got version %s, want the rotated value at %s", v.Version, aws.ToString(out.VersionId))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the rotated secret did not reach the watcher within 20s")
	}
}

func TestIntegrationSSM(t *testing.T) {
	t.Parallel()
	srv := moto.Shared(t)
	client := ssm.NewFromConfig(srv.AWSConfig())
	env := uniqueEnv(t)
	base := "/acme/" + env
	putParam(t, client, base+"/s3/exports/bucket", "acme-"+env+"-exports", ssmtypes.ParameterTypeString)
	putParam(t, client, base+"/rds/orders/password", plant, ssmtypes.ParameterTypeSecureString)
	p := config.NewParameterStore(client)
	ctx := context.Background()

	t.Run("get", func(t *testing.T) {
		got, err := p.GetParameter(ctx, base+"/s3/exports/bucket")
		if err != nil {
			t.Fatal(err)
		}
		if got.Value.Reveal() != "acme-"+env+"-exports" || got.Version != "1" {
			t.Errorf("GetParameter = %q version %s", got.Value.Reveal(), got.Version)
		}
		putParam(t, client, base+"/s3/exports/bucket", "renamed", ssmtypes.ParameterTypeString)
		if got, _ := p.GetParameter(ctx, base+"/s3/exports/bucket"); got.Version != "2" {
			t.Errorf("after overwrite: version %s, want 2", got.Version)
		}
	})
	t.Run("secure string", func(t *testing.T) {
		got, err := p.GetParameter(ctx, base+"/rds/orders/password")
		if err != nil || got.Value.Reveal() != plant {
			t.Errorf("SecureString not decrypted: %v", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := p.GetParameter(ctx, base+"/nope")
		if !errors.Is(err, config.ErrNotFound) {
			t.Errorf("missing parameter: %v", err)
		}
	})
}

// TestIntegrationDecodeAgainstMoto resolves a cloud-shaped section: ssm://
// for names and secret:// for secrets, with their versions as provenance.
func TestIntegrationDecodeAgainstMoto(t *testing.T) {
	t.Parallel()
	srv := moto.Shared(t)
	cfg := srv.AWSConfig()
	env := uniqueEnv(t)
	createSecret(t, secretsmanager.NewFromConfig(cfg), "acme/"+env+"/orders-db", `{"password":"`+plant+`"}`)
	putParam(t, ssm.NewFromConfig(cfg), "/acme/"+env+"/url", "https://orders.example.com", ssmtypes.ParameterTypeString)

	dev := fmt.Sprintf("shared:\n  aws:\n    endpoint: %s\n  secrets:\n    provider: aws\n    prefix: acme/%s/\nmy-app:\n  password: secret://orders-db#password\n  url: ssm:///acme/%s/url\n", srv.Endpoint, env, env)
	o := opts(map[string]string{"dev.yaml": dev}, "dev")
	cfg.BaseEndpoint = nil // the endpoint comes from shared.aws.endpoint
	o.AWS = &cfg
	a, sec, err := decodeApp(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Password.Reveal() != plant || a.URL != "https://orders.example.com" {
		t.Errorf("decoded %q", a.URL)
	}
	e := entryOf(t, sec, "my-app.url")
	if e.Layer != config.LayerRef || e.Value != "https://orders.example.com" {
		t.Errorf("url entry = %+v", e)
	}
	if e := entryOf(t, sec, "my-app.password"); e.Value != config.Redacted {
		t.Errorf("password entry shows %q", e.Value)
	}
}
