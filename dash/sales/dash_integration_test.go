// The Dash app's pytest suite and ruff, run from go test so that
// `make test` runs them: the venv .mono/venvs/sales-dash is made from
// requirements.txt on first use (libs/testenv/pyenv).
package sales_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/acme/platform/libs/testenv/pyenv"
)

func TestIntegrationDashPytestAndRuff(t *testing.T) {
	if testing.Short() {
		t.Skip("creates the Dash venv and runs pytest")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	req, err := os.ReadFile("requirements.txt")
	if err != nil {
		t.Fatal(err)
	}
	env, err := pyenv.Ensure(ctx, root, "sales-dash", req, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatalf("the Dash venv: %v", err)
	}
	run := func(argv ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out.String())
		}
		return out.String()
	}
	out := run(env.Python(), "-m", "pytest", "-p", "no:cacheprovider")
	if !regexp.MustCompile(`\d+ passed`).MatchString(out) {
		t.Errorf("pytest printed no passing tests:\n%s", out)
	}
	t.Logf("pytest: %s", bytes.TrimSpace([]byte(out)))
	run(env.Bin("ruff"), "check", "--no-cache", ".")
	run(env.Bin("ruff"), "format", "--check", "--no-cache", ".")
}
