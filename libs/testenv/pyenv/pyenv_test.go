package pyenv_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/libs/testenv/pyenv"
)

// TestIntegrationVenvUnderSymlink creates a venv through a symlinked .mono
// that is then removed: the venv must keep working, because its scripts
// name the real path.
func TestIntegrationVenvUnderSymlink(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: creates a Python venv")
	}
	real := t.TempDir()
	if err := os.MkdirAll(filepath.Join(real, ".mono"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := t.TempDir()
	if err := os.Symlink(filepath.Join(real, ".mono"), filepath.Join(link, ".mono")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// No requirements: only the venv and pip's own entry points.
	var log []string
	env, err := pyenv.Ensure(ctx, link, "empty", []byte("# none\n"), func(s string) { log = append(log, s) })
	if err != nil {
		t.Fatal(err)
	}
	// Said before the slow part, with roughly how long; then each step.
	if len(log) != 3 || !strings.HasPrefix(log[0], "pyenv: creating the empty venv in ") || !strings.Contains(log[0], "usually 1 to 5 minutes") ||
		!strings.HasPrefix(log[2], "pyenv: empty ready in ") {
		t.Errorf("creation log %q", log)
	}
	if strings.HasPrefix(env.Dir, link) {
		t.Errorf("venv made under the symlink: %s", env.Dir)
	}
	if err := os.Remove(filepath.Join(link, ".mono")); err != nil {
		t.Fatal(err)
	}
	log = nil
	again, err := pyenv.Ensure(ctx, real, "empty", []byte("# none\n"), func(s string) { log = append(log, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 0 {
		t.Errorf("a ready venv logged %q", log)
	}
	// Changed requirements rebuild it, estimated from the last creation.
	log = nil
	if _, err := pyenv.Ensure(ctx, real, "empty", []byte("# none, changed\n"), func(s string) { log = append(log, s) }); err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || !strings.Contains(log[0], ", as last time") {
		t.Errorf("rebuild log %q, want an estimate from the last creation", log)
	}
	script, err := os.ReadFile(again.Bin("pip"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(script), "\n")
	interp := strings.TrimPrefix(first, "#!")
	if _, err := os.Stat(interp); err != nil {
		t.Errorf("pip's interpreter %q is gone: %v", interp, err)
	}
}
