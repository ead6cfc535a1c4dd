package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/runcmd"
	"github.com/acme/platform/libs/testenv"
)

// graphTask is a task of `mono run TARGET --all --graph --json`.
type graphTask struct {
	ID      string `json:"id"`
	Dir     string `json:"dir"`
	Command string `json:"command"`
}

// taskGraph returns the tasks `mono run target --all` would run on the
// repository at root.
func taskGraph(t *testing.T, root, target string) []graphTask {
	t.Helper()
	var out, errOut bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{Out: &out, ErrOut: &errOut}, Dir: root}
	o := runcmd.Options{Target: target, All: true, Graph: true, JSON: true, Parallel: 1}
	if err := runcmd.Run(context.Background(), deps, o); err != nil {
		t.Fatalf("mono run %s --all --graph --json: %v\n%s", target, err, errOut.String())
	}
	var g struct {
		Tasks []graphTask `json:"tasks"`
	}
	if err := json.Unmarshal(out.Bytes(), &g); err != nil {
		t.Fatalf("graph of %s: %v", target, err)
	}
	return g.Tasks
}

// goRun is one `go test`, `go vet` or `staticcheck` call in a task command:
// the folder it runs in (relative to the root), its package patterns, and
// whether it runs only some tests (-run) or has the flags of hack/test-go.sh.
type goRun struct {
	task     string
	dir      string
	patterns []string
	filtered bool
	flags    map[string]bool
}

// goRuns finds the calls of tool ("go test", "go vet", "staticcheck") in
// the tasks' commands: the command is split at && and ;, `cd X` moves the
// folder ($MONO_ROOT is the root).
func goRuns(tasks []graphTask, tool string) []goRun {
	var runs []goRun
	for _, tk := range tasks {
		dir := tk.Dir
		cmd := strings.NewReplacer("&&", ";", `"`, "", "'", "").Replace(tk.Command)
		for _, seg := range strings.Split(cmd, ";") {
			seg, _, _ = strings.Cut(seg, "|") // the arguments of the first program only
			f := strings.Fields(seg)
			switch {
			case len(f) == 2 && f[0] == "cd":
				if f[1] == "$MONO_ROOT" {
					dir = "."
				} else {
					dir = filepath.Clean(filepath.Join(dir, f[1]))
				}
			case strings.HasPrefix(strings.TrimLeft(seg, " !"), tool+" "):
				r := goRun{task: tk.ID, dir: dir, flags: map[string]bool{}}
				for i, a := range f {
					switch {
					case a == "-run" && i+1 < len(f):
						r.filtered = true
					case strings.HasPrefix(a, "-"):
						r.flags[a] = true
					case strings.HasPrefix(a, "./") || a == "." || a == "./...":
						r.patterns = append(r.patterns, a)
					}
				}
				if len(r.patterns) == 0 {
					r.patterns = []string{"."}
				}
				if tool == "gofmt" { // gofmt walks the folders it is given
					for i, p := range r.patterns {
						r.patterns[i] = strings.TrimSuffix(p, "/") + "/..."
					}
				}
				runs = append(runs, r)
			}
		}
	}
	return runs
}

// covers reports whether a run's patterns match the package in folder pkg
// (relative to the root).
func (r goRun) covers(pkg string) bool {
	for _, p := range r.patterns {
		full := filepath.Clean(filepath.Join(r.dir, p))
		if rest, ok := strings.CutSuffix(p, "..."); ok {
			base := filepath.Clean(filepath.Join(r.dir, rest))
			if base == "." || pkg == base || strings.HasPrefix(pkg, base+"/") {
				return true
			}
		} else if pkg == full {
			return true
		}
	}
	return false
}

// goPackages lists the folders of the module's packages (go list ./...),
// relative to the root.
func goPackages(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v", err)
	}
	var pkgs []string
	for _, d := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, d)
		if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, rel)
	}
	return pkgs
}

// TestIntegrationMonoRunCoversMakeTest checks that the components' test
// and lint tasks (mono run test/lint --all) cover what `make test` checks
// directly (hack/test-go.sh and hack/lint.sh): every Go package is tested
// in full at least once with -race, -shuffle=on, -count=1 and a timeout,
// and vetted and staticchecked; gofmt; the web console's type and API
// checks; ruff over dash/sales and dags/. A package tested by more than one
// task is logged: it costs CI time twice.
func TestIntegrationMonoRunCoversMakeTest(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole repository and runs go list")
	}
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := goPackages(t, root)
	tests := taskGraph(t, root, "test")
	lints := taskGraph(t, root, "lint")

	var missing []string
	check := func(what string, runs []goRun, full bool, flags ...string) {
		for _, pkg := range pkgs {
			var by []string
			for _, r := range runs {
				if r.covers(pkg) && (!full || !r.filtered) {
					by = append(by, r.task)
				}
			}
			switch {
			case len(by) == 0:
				missing = append(missing, what+" "+pkg)
			case len(by) > 1:
				t.Logf("%s %s runs in %d tasks: %s", what, pkg, len(by), strings.Join(by, ", "))
			}
		}
		for _, r := range runs {
			for _, f := range flags {
				if !r.flags[f] && !r.filtered {
					missing = append(missing, what+" flag "+f+" in "+r.task)
				}
			}
		}
	}
	check("go test", goRuns(tests, "go test"), true, "-race", "-shuffle=on", "-count=1", "-timeout")
	check("go vet", goRuns(lints, "go vet"), false)
	check("staticcheck", goRuns(lints, "staticcheck"), false)
	check("gofmt", goRuns(lints, "gofmt"), false)

	// The other linters of hack/lint.sh, by the folder their task runs in.
	want := map[string]string{
		"tsc --noEmit":                       "web/console",
		"node scripts/api-types.mjs --check": "web/console",
		"ruff check":                         "dash/sales",
		"ruff format --check":                "dash/sales",
	}
	wantDags := []string{"ruff check", "ruff format --check"}
	found := map[string]bool{}
	for _, tk := range lints {
		tk.Command = strings.NewReplacer(`"`, "", "'", "").Replace(tk.Command)
		for what, dir := range want {
			if tk.Dir == dir && strings.Contains(tk.Command, what) {
				found[what+"@"+dir] = true
			}
		}
		for _, what := range wantDags {
			if tk.Dir == "dags" && strings.Contains(tk.Command, what) {
				found[what+"@dags"] = true
			}
		}
	}
	for what, dir := range want {
		if !found[what+"@"+dir] {
			missing = append(missing, "lint "+what+" in "+dir)
		}
	}
	for _, what := range wantDags {
		if !found[what+"@dags"] {
			missing = append(missing, "lint "+what+" in dags")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("mono run test/lint --all miss %d checks of make test (hack/test-go.sh, hack/lint.sh); declare them in mono.yaml or component.yaml:\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}
