package configcmd_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/testenv/moto"
)

// awsTestEnv points the default credential chain at test credentials only:
// no profile of the developer, no instance metadata.
func awsTestEnv(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           moto.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       moto.SecretAccessKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/nonexistent/aws/config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws/credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
	} {
		t.Setenv(k, v)
	}
}

// TestIntegrationValidateDev validates the real dev configuration against
// moto holding what Terraform would publish: secrets under acme/dev/ and
// parameters under /acme/dev/. The endpoint override is
// SHARED__AWS__ENDPOINT. Planted secret values appear in no output.
func TestIntegrationValidateDev(t *testing.T) {
	srv := moto.New(t) // its own server: the names are the fixed dev ones
	awsTestEnv(t)
	cfg := srv.AWSConfig()
	cfg.Region = "eu-west-1" // config/base.yaml's region
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(cfg)
	params := ssm.NewFromConfig(cfg)

	db, jwt, session := canary("db"), canary("jwt"), canary("session")
	for name, value := range map[string]string{
		"acme/dev/orders-db":  fmt.Sprintf(`{"username":"orders_app","password":%q}`, db),
		"acme/dev/orders-api": fmt.Sprintf(`{"jwt_signing_key":%q}`, jwt),
		"acme/dev/console":    fmt.Sprintf(`{"session_key":%q}`, session),
	} {
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
			t.Fatal(err)
		}
	}
	for name, value := range map[string]string{
		"/acme/dev/rds/orders/host":      "orders.cluster-abc.eu-west-1.rds.amazonaws.com",
		"/acme/dev/s3/exports/bucket":    "acme-dev-exports",
		"/acme/dev/sqs/order-events/url": "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dev-order-events",
	} {
		if _, err := params.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	planted := []string{db, jwt, session}
	dir := workspace(t, nil)
	vars := map[string]string{"SHARED__AWS__ENDPOINT": srv.Endpoint}

	r := run(t, dir, vars, "validate", "--env", "dev", "-v")
	assertNoCanary(t, "validate", r, planted...)
	if r.code != 0 || !strings.Contains(r.out, "config dev: ok (6 sections,") || !strings.Contains(r.out, "6 references resolved") {
		t.Fatalf("validate --env dev: exit %d\n%s\n%s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.err, "config: resolved reference") {
		t.Errorf("-v logged no provider call:\n%s", r.err)
	}

	r = run(t, dir, vars, "show", "--env", "dev", "--resolve", "--explain", "-v")
	assertNoCanary(t, "show --resolve", r, planted...)
	for _, want := range []string{"acme-dev-exports", "ssm:///acme/dev/s3/exports/bucket (version 1, config/dev.yaml:", "shared.database.password", "[redacted]"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("show --resolve lacks %q:\n%s", want, r.out)
		}
	}

	// A secret that does not exist is named, with the key that needs it.
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("acme/dev/console"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, vars, "validate", "--env", "dev")
	assertNoCanary(t, "validate without a secret", r, planted...)
	if r.code != cli.ExitFailed || !strings.Contains(r.err, "console.session_key: cannot resolve secret://console#session_key: not found: secret acme/dev/console does not exist") {
		t.Errorf("missing secret: exit %d\n%s", r.code, r.err)
	}

	// AWS unreachable: a clear error, fast, never a hang.
	start := time.Now()
	r = run(t, dir, map[string]string{"SHARED__AWS__ENDPOINT": "http://127.0.0.1:1"}, "validate", "--env", "dev")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("unreachable AWS took %s", took)
	}
	if r.code != cli.ExitFailed || !strings.Contains(r.err, "cannot reach AWS") {
		t.Errorf("unreachable AWS: exit %d\n%s", r.code, r.err)
	}
}
