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
	env, err := pyenv.Ensure(ctx, link, "empty", []byte("# none\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(env.Dir, link) {
		t.Errorf("venv made under the symlink: %s", env.Dir)
	}
	if err := os.Remove(filepath.Join(link, ".mono")); err != nil {
		t.Fatal(err)
	}
	again, err := pyenv.Ensure(ctx, real, "empty", []byte("# none\n"), nil)
	if err != nil {
		t.Fatal(err)
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
