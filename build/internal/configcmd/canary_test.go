package configcmd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// canary returns a value to plant that no output may ever contain.
func canary(label string) string {
	return fmt.Sprintf("c4n4ry-%s-%d-0123456789abcdef0123456789", label, time.Now().UnixNano())
}

// assertNoCanary fails if any output holds a planted value.
func assertNoCanary(t *testing.T, what string, r result, planted ...string) {
	t.Helper()
	for _, p := range planted {
		for name, out := range map[string]string{"stdout": r.out, "stderr": r.err} {
			if strings.Contains(out, p) || strings.Contains(out, "c4n4ry") {
				t.Errorf("%s: %s holds a planted secret:\n%s", what, name, out)
			}
		}
	}
}

// TestCanaryLocal plants secret values in every place a local secret can come
// from (the secrets file, a literal in the override file, a variable), runs
// every command with every output form and debug logs, and finds none of
// them in any output, log line or error.
func TestCanaryLocal(t *testing.T) {
	t.Parallel()
	db, jwt, short, dsn, env := canary("db"), canary("jwt"), "c4n4ry-short", canary("dsn"), canary("env")
	dir := workspace(t, map[string]string{
		"config/secrets.local.yaml":  fmt.Sprintf("orders-db:\n  password: %s\norders-api:\n  jwt_signing_key: %s\nsales-dash:\n  signing_key: %s\n", db, jwt, short),
		"config/local.override.yaml": fmt.Sprintf("shared:\n  database:\n    dsn: %s\n    password: secret://orders-db#password\n", dsn),
	})
	vars := map[string]string{"SALES_DASH__JWT__SIGNING_KEY": "secret://sales-dash#signing_key", "ORDERS_API__JWT__SIGNING_KEY": env}
	planted := []string{db, jwt, short, dsn, env}
	runs := [][]string{
		{"show"},
		{"show", "--explain"},
		{"show", "--json"},
		{"show", "--json", "--explain"},
		{"show", "--resolve", "--explain"},
		{"show", "--resolve", "--json", "--explain", "-v"},
		{"show", "--component", "sales-dash", "--resolve", "--explain", "-v"},
		{"validate", "-v"},
		{"diff", "--env", "local", "--env", "dev"},
		{"diff", "--env", "dev", "--env", "local", "--json"},
		{"diff", "--env", "local", "--env", "local"},
	}
	sawFailure := false
	for _, args := range runs {
		r := run(t, dir, vars, args...)
		assertNoCanary(t, strings.Join(args, " "), r, planted...)
		if strings.Contains(r.err, "sales-dash.jwt.signing_key: must be at least 32 characters") {
			sawFailure = true // the short key fails validation without showing it
		}
	}
	if !sawFailure {
		t.Errorf("the planted short signing key did not fail validation")
	}
	// The values were really read: validate resolved them.
	r := run(t, dir, vars, "show", "--resolve", "--explain", "--component", "orders-api")
	for _, want := range []string{"env ORDERS_API__JWT__SIGNING_KEY", "secret://orders-db#password (version "} {
		if !strings.Contains(r.out, want) {
			t.Errorf("show --resolve lacks %q:\n%s", want, r.out)
		}
	}
}
