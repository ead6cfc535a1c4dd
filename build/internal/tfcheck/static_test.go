package tfcheck

import (
	"testing"

	"github.com/acme/platform/libs/testenv"
)

// TestRepository runs every static check over the repository's own
// infrastructure/ and config/: it must be clean.
func TestRepository(t *testing.T) {
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tree := NewTree(root, DefaultDir, "config", []string{"local", "dev", "staging", "prod"})
	if len(tree.Envs) != 3 {
		t.Fatalf("environments with a folder: %v, want dev, staging, prod", tree.Envs)
	}
	findings, err := tree.Static()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}
