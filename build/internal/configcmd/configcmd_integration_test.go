package configcmd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
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
	cfg.Region = "eu-central-1" // config/base.yaml's region, as Terraform's
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(cfg)
	params := ssm.NewFromConfig(cfg)

	// Publish what the dev configuration references, as Terraform would:
	// every ssm:// parameter and every secret://name#key, found in the
	// committed files so that the test follows the configuration.
	dir := workspace(t, nil)
	params2, secrets, refs := references(t, dir, "config/base.yaml", "config/dev.yaml")
	var planted []string
	for name, keys := range secrets {
		fields := map[string]string{}
		for _, k := range keys {
			c := canary(name + "-" + k)
			fields[k] = c
			planted = append(planted, c)
		}
		body, _ := json.Marshal(fields)
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("acme/dev/" + name), SecretString: aws.String(string(body))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range params2 {
		value := published(name)
		if _, err := params.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	if len(params2) < 3 || len(secrets) < 1 {
		t.Fatalf("found %d parameters and %d secrets in the dev configuration; expected the database host, the buckets and the service secret (the database logs in with IAM)", len(params2), len(secrets))
	}
	vars := map[string]string{"SHARED__AWS__ENDPOINT": srv.Endpoint}

	r := run(t, dir, vars, "validate", "--env", "dev", "-v")
	assertNoCanary(t, "validate", r, planted...)
	if r.code != 0 || !strings.Contains(r.out, "config dev: ok (") || !strings.Contains(r.out, fmt.Sprintf("%d references resolved", refs)) {
		t.Fatalf("validate --env dev: exit %d\n%s\n%s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.err, "config: resolved reference") {
		t.Errorf("-v logged no provider call:\n%s", r.err)
	}

	r = run(t, dir, vars, "show", "--env", "dev", "--resolve", "--explain", "-v")
	assertNoCanary(t, "show --resolve", r, planted...)
	for _, want := range []string{"acme-dev-exports", "ssm:///acme/dev/s3/exports/bucket (version 1, config/dev.yaml:", "orders-api.jwt.signing_key", "[redacted]"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("show --resolve lacks %q:\n%s", want, r.out)
		}
	}

	// A secret that does not exist is named, with the key that needs it.
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("acme/dev/orders-api"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, vars, "validate", "--env", "dev")
	assertNoCanary(t, "validate without a secret", r, planted...)
	if r.code != cli.ExitFailed || !strings.Contains(r.err, "orders-api.jwt.signing_key: cannot resolve secret://orders-api#jwt_signing_key: not found: secret acme/dev/orders-api does not exist") {
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

var refRE = regexp.MustCompile(`(ssm://[^\s"'#]+|secret://[^\s"'#]+#[^\s"']+)`)

// references lists the ssm:// parameter paths and, per secret name, the
// keys that the files reference, and counts the references.
func references(t *testing.T, dir string, files ...string) ([]string, map[string][]string, int) {
	t.Helper()
	paramSet := map[string]bool{}
	secrets := map[string][]string{}
	count := 0
	seenKey := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, ref := range refRE.FindAllString(line, -1) {
				count++
				if p, ok := strings.CutPrefix(ref, "ssm://"); ok {
					paramSet[p] = true
					continue
				}
				name, key, _ := strings.Cut(strings.TrimPrefix(ref, "secret://"), "#")
				if !seenKey[name+"#"+key] {
					seenKey[name+"#"+key] = true
					secrets[name] = append(secrets[name], key)
				}
			}
		}
	}
	var params []string
	for p := range paramSet {
		params = append(params, p)
	}
	sort.Strings(params)
	return params, secrets, count
}

// published returns a value of the shape Terraform publishes under a path:
// /acme/dev/s3/<name>/bucket, /acme/dev/sqs/<name>/url, .../host, ...
func published(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	name := parts[len(parts)-2]
	switch parts[len(parts)-1] {
	case "bucket":
		return "acme-dev-" + name
	case "url", "dlq-url":
		return "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dev-" + name
	case "host", "endpoint":
		return name + ".cluster-abc.eu-west-1.rds.amazonaws.com"
	case "port":
		return "5432"
	}
	return name
}
