package versioncmd_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/versioncmd"
)

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// TestIntegrationVersionOfBuiltBinary builds mono with go build in the
// repository and checks that `mono version --json` names the commit it was
// built from. Go records VCS information only where .git is a folder, not
// in a linked worktree (golang/go#58218), so there the test builds a
// shared clone of HEAD with the work tree's changes copied over.
func TestIntegrationVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the mono binary")
	}
	t.Parallel()
	root := git(t, ".", "rev-parse", "--show-toplevel")
	head := git(t, root, "rev-parse", "HEAD")
	src, wantDirty := root, git(t, root, "status", "--porcelain") != ""
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		src = filepath.Join(t.TempDir(), "clone")
		git(t, root, "clone", "-q", "--shared", "--no-checkout", root, src)
		git(t, src, "checkout", "-q", head)
		copyChanges(t, root, src)
	}
	bin := filepath.Join(t.TempDir(), "mono")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./build/cmd/mono")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("mono version --json: %v", err)
	}
	var info versioncmd.Info
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("mono version --json: %v\n%s", err, out)
	}
	if info.Revision != head {
		t.Errorf("revision = %q, want git rev-parse HEAD %q", info.Revision, head)
	}
	if info.Dirty == nil || *info.Dirty != wantDirty {
		t.Errorf("dirty = %v, want %v", info.Dirty, wantDirty)
	}
	if info.Version == versioncmd.Unknown || info.GoVersion == "" {
		t.Errorf("version %q, go %q: want both recorded", info.Version, info.GoVersion)
	}
}

// copyChanges makes the work tree of clone like that of root: files changed
// since HEAD and untracked ones are copied, deleted ones removed.
func copyChanges(t *testing.T, root, clone string) {
	t.Helper()
	changed := git(t, root, "diff", "--name-only", "--no-renames", "HEAD")
	untracked := git(t, root, "ls-files", "--others", "--exclude-standard")
	for _, f := range strings.Split(changed+"\n"+untracked, "\n") {
		if f == "" {
			continue
		}
		from, to := filepath.Join(root, f), filepath.Join(clone, f)
		fi, err := os.Lstat(from)
		switch {
		case os.IsNotExist(err):
			err = os.Remove(to)
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			var target string
			if target, err = os.Readlink(from); err == nil {
				err = os.Symlink(target, to)
			}
		default:
			var data []byte
			if data, err = os.ReadFile(from); err == nil {
				if err = os.MkdirAll(filepath.Dir(to), 0o755); err == nil {
					err = os.WriteFile(to, data, fi.Mode().Perm())
				}
			}
		}
		if err != nil {
			t.Fatalf("copy work tree change %s: %v", f, err)
		}
	}
}
