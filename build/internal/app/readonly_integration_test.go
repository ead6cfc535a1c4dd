package app_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
)

// snapshot lists every file and folder under dir (but .git) with a hash of
// its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			out[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%x", sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIntegrationReadOnlyCommandsCreateNothing runs the commands that only
// read in a fixture repository and checks that the tree is unchanged
// afterwards: no .mono folder, no database, no rewritten file.
func TestIntegrationReadOnlyCommandsCreateNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("shells out to git and the tools doctor checks")
	}
	t.Parallel()
	dir := fixture.Repo(t, fixture.Polyglot())
	fixture.Write(t, dir, map[string]string{"libs/b/b.go": "package b\n// changed\n"})
	before := snapshot(t, dir)
	sub := filepath.Join(dir, "services", "api")
	for _, args := range [][]string{
		{"list"}, {"list", "--json"},
		{"graph"}, {"graph", "--format", "html"}, {"graph", "--json"},
		{"why", "dags", "b"},
		{"affected", "--base", "HEAD"}, {"affected", "--base", "HEAD", "--explain", "--json"},
		{"doctor"}, {"doctor", "--json"},
		{"config", "show", "--env", "dev"},
		{"run", "build", "--dry-run"}, {"run", "test", "--affected", "--base", "HEAD", "--dry-run", "--json"},
		{"version"},
	} {
		code, _, errOut := run(t, sub, args...)
		if code != 0 && !(args[0] == "doctor" && code == cli.ExitMissing) { // doctor may miss a tool here
			t.Errorf("mono %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
			t.Fatalf("mono %s changed the tree (-before +after):\n%s", strings.Join(args, " "), diff)
		}
	}
}
