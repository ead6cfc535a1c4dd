package app_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/testenv"
)

// TestIntegrationEveryTrackedFileHasAnOwner is the ownership rule of this
// repository (docs/mono.md): every tracked file belongs to a component, is
// a declared global input, or is read by an affected rule (go.mod, go.sum,
// package-lock.json, config/<env>.yaml). A file that is none of these is
// affected by nothing, so a change to it would be tested by nothing that
// `--affected` selects.
func TestIntegrationEveryTrackedFileHasAnOwner(t *testing.T) {
	if testing.Short() {
		t.Skip("shells out to git")
	}
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing to check", err)
	}
	files := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	ws, err := workspace.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	if unowned := affected.Unowned(ws, g, files); len(unowned) > 0 {
		t.Errorf("%d tracked files belong to no component and are no global input of mono.yaml; give them a component (component.yaml) or add them to globalInputs:\n  %s",
			len(unowned), strings.Join(unowned, "\n  "))
	}
}
