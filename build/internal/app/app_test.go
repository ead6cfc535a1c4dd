package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/app"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
)

// run executes mono in-process in dir and returns exit code, stdout, stderr.
func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return runEnv(t, dir, nil, args...)
}

// runEnv is run with environ as the process environment.
func runEnv(t *testing.T, dir string, environ []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	deps := cli.Deps{
		IO:      cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Dir:     dir,
		Environ: environ,
	}
	code := app.Main(context.Background(), args, deps)
	return code, out.String(), errOut.String()
}

func TestCommands(t *testing.T) {
	t.Parallel()
	dir := fixture.Repo(t, fixture.Polyglot())
	fixture.Write(t, dir, map[string]string{"libs/b/b.go": "package b\n// changed\n", "NOTES.md": "x\n"})
	fixture.Commit(t, dir, "change b")
	sub := filepath.Join(dir, "services", "api") // works from any subfolder

	runTests(t, sub, []cmdTest{
		{"list", []string{"list"}, 0, []string{"NAME", "api  ", "go-service", "services/api"}, nil},
		{"list kind", []string{"list", "--kind", "go-lib"}, 0, []string{"a ", "b "}, nil},
		{"list bad kind", []string{"list", "--kind", "go-libb"}, 2, nil, []string{`unknown kind "go-libb"`}},
		{"graph text", []string{"graph"}, 0, []string{"api (go-service) -> a", "dags (python-dags) -> job"}, nil},
		{"graph dot", []string{"graph", "--format", "dot"}, 0, []string{"digraph components", `"api" -> "a";`}, nil},
		{"graph focus", []string{"graph", "--focus", "job"}, 0, []string{"job (go-job) -> b", "dags (python-dags)", "b (go-lib)"}, nil},
		{"graph bad focus", []string{"graph", "--focus", "jbo"}, 2, nil, []string{`unknown component "jbo"`, `did you mean "job"`}},
		{"graph bad format", []string{"graph", "--format", "svg"}, 2, nil, []string{`unknown format "svg"`}},
		{"why", []string{"why", "dags", "b"}, 0, []string{"dags -> job -> b"}, nil},
		{"why not", []string{"why", "b", "dags"}, 1, nil, []string{"b does not depend on dags"}},
		{"why unknown", []string{"why", "dagz", "b"}, 2, nil, []string{`did you mean "dags"`}},
		{"affected", []string{"affected", "--base", "HEAD~1"}, 0, []string{"a\napi\nb\ndags\njob\n"}, []string{"owned by no component (1)", "NOTES.md"}},
		{"affected explain", []string{"affected", "--base", "HEAD~1", "--explain"}, 0, []string{"libs/b/b.go changed via b -> job -> dags"}, nil},
		{"affected no base", []string{"affected"}, 2, nil, []string{"--base is required"}},
		{"affected bad ref", []string{"affected", "--base", "nope"}, 4, nil, []string{`bad git revision "nope"`}},
		{"unknown command suggests", []string{"afected"}, 2, nil, []string{"unknown command", "affected"}},
		{"unknown flag", []string{"list", "--jsn"}, 2, nil, []string{"unknown flag: --jsn"}},
		{"help lists exit codes", []string{"--help"}, 0, []string{"Exit codes:", "4  git problem"}, nil},
		{"dev without programs", []string{"dev"}, 0, []string{"no local programs in this repository"}, nil},
		{"completion", []string{"completion", "bash"}, 0, []string{"bash completion"}, nil},
	})
}

// cmdTest is one mono command line and what it should print.
type cmdTest struct {
	name     string
	args     []string
	wantCode int
	wantOut  []string // substrings of stdout
	wantErr  []string // substrings of stderr
}

// runTests runs each test in dir, in parallel.
func runTests(t *testing.T, dir string, tests []cmdTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, dir, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestJSONOutputs(t *testing.T) {
	t.Parallel()
	dir := fixture.Repo(t, fixture.Polyglot())
	fixture.Write(t, dir, map[string]string{"web/ui/index.js": "export {}\n"})
	fixture.Commit(t, dir, "change ui")

	code, out, errOut := run(t, dir, "affected", "--base", "HEAD~1", "--head", "HEAD", "--json")
	if code != 0 {
		t.Fatalf("affected --json: %d %s", code, errOut)
	}
	var res struct {
		Changed  []string `json:"changed"`
		Affected []struct {
			Name   string `json:"name"`
			Direct bool   `json:"direct"`
			Reason struct {
				File string   `json:"file"`
				Path []string `json:"path"`
			} `json:"reason"`
		} `json:"affected"`
		Unowned []string `json:"unowned"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("affected JSON: %v\n%s", err, out)
	}
	if diff := cmp.Diff([]string{"web/ui/index.js"}, res.Changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	if len(res.Affected) != 2 || res.Affected[0].Name != "@shop/app" || res.Affected[0].Direct ||
		!cmp.Equal(res.Affected[0].Reason.Path, []string{"@shop/ui", "@shop/app"}) {
		t.Errorf("affected = %+v", res.Affected)
	}

	code, out, _ = run(t, dir, "list", "--json")
	var comps []struct{ Name, Kind string }
	if code != 0 || json.Unmarshal([]byte(out), &comps) != nil || len(comps) != 12 {
		t.Fatalf("list --json: code %d, %d components\n%s", code, len(comps), out)
	}

	code, out, _ = run(t, dir, "graph", "--json")
	var g struct {
		Nodes []struct{ Name string }
		Edges []struct{ From, To string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil || len(g.Nodes) != 12 || len(g.Edges) != 7 {
		t.Fatalf("graph --json: code %d, %d nodes %d edges\n%s", code, len(g.Nodes), len(g.Edges), out)
	}
}

func TestManifestErrorExitCode(t *testing.T) {
	t.Parallel()
	files := fixture.Polyglot()
	files["dags/component.yaml"] = "depends: [job]\nowner: [data]\n"
	dir := fixture.Repo(t, files)
	code, _, errOut := run(t, dir, "list")
	if code != cli.ExitConfig || !strings.Contains(errOut, `dags/component.yaml:2: unknown key "owner" (did you mean "owners"?)`) {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

func TestOutsideWorkspace(t *testing.T) {
	t.Parallel()
	code, _, errOut := run(t, t.TempDir(), "list")
	if code != cli.ExitUsage || !strings.Contains(errOut, "no mono.yaml") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}
