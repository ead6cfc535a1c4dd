package discover_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

type row struct {
	Name, Kind, Dir string
	Depends         []string
	Modules         []string
}

func discoverFiles(t *testing.T, files map[string]string) (*graph.Graph, error) {
	t.Helper()
	dir := t.TempDir()
	fixture.Write(t, dir, files)
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatalf("load workspace: %v", err)
	}
	return discover.Discover(ws)
}

func TestDiscoverPolyglot(t *testing.T) {
	t.Parallel()
	g, err := discoverFiles(t, fixture.Polyglot())
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for _, c := range g.Components() {
		got = append(got, row{c.Name, string(c.Kind), c.Dir, c.Depends, c.Modules})
	}
	want := []row{
		{"@shop/app", "node-app", "web/app", []string{"@shop/ui"}, nil},
		{"@shop/ui", "node-app", "web/ui", nil, nil},
		{"a", "go-lib", "libs/a", []string{"b"}, []string{"github.com/google/go-cmp"}},
		{"api", "go-service", "services/api", []string{"a"}, []string{"golang.org/x/mod"}},
		{"b", "go-lib", "libs/b", nil, nil},
		{"dags", "python-dags", "dags", []string{"job"}, nil},
		{"infra-dev", "terraform-stack", "infrastructure/live", []string{"tfmod-network"}, nil},
		{"infra-prod", "terraform-stack", "infrastructure/live", []string{"tfmod-network"}, nil},
		{"job", "go-job", "scripts/job", []string{"b"}, nil},
		{"program", "helm-chart", "deploy/charts/program", nil, nil},
		{"sales", "python-app", "dash/sales", nil, nil},
		{"tfmod-network", "terraform-module", "infrastructure/modules/network", nil, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	for _, env := range []string{"dev", "prod"} {
		c := g.Get("infra-" + env)
		if !cmp.Equal(c.Deploy.Envs, []string{env}) {
			t.Errorf("%s envs = %v, want [%s]", c.Name, c.Deploy.Envs, env)
		}
	}
	if ex := g.Get("infra-dev").Exclude; !cmp.Equal(ex, []string{"prod.tfvars", "prod.backend.hcl"}) {
		t.Errorf("infra-dev excludes %v, want prod's variable and backend files", ex)
	}
	if owners := g.Get("dags").Owners; !cmp.Equal(owners, []string{"data"}) {
		t.Errorf("dags owners = %v", owners)
	}
}

func TestDiscoverErrors(t *testing.T) {
	t.Parallel()
	base := func(extra map[string]string) map[string]string {
		files := map[string]string{
			"mono.yaml":       "project: acme\n",
			"go.mod":          "module example.com/x\n\ngo 1.26\n",
			"libs/a/a.go":     "package a\n",
			"services/s/s.go": "package main\n\nimport _ \"example.com/x/libs/a\"\n",
		}
		for k, v := range extra {
			files[k] = v
		}
		return files
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{"unknown key with suggestion", base(map[string]string{"libs/a/component.yaml": "name: a\nowners: [x]\ndepend: [s]\n"}),
			[]string{"libs/a/component.yaml:3", `unknown key "depend"`, `did you mean "depends"`}},
		{"unknown kind", base(map[string]string{"tools/x/component.yaml": "name: x\nkind: go-servce\n"}),
			[]string{"tools/x/component.yaml:2", `unknown kind "go-servce"`}},
		{"kind required where nothing is discovered", base(map[string]string{"tools/x/component.yaml": "owners: [a]\n"}),
			[]string{"tools/x/component.yaml:1", "kind is required"}},
		{"wrong type", base(map[string]string{"libs/a/component.yaml": "owners: 3\n"}),
			[]string{"libs/a/component.yaml:1", "cannot unmarshal"}},
		{"malformed yaml", base(map[string]string{"libs/a/component.yaml": "name: a\n  owners: [x\n"}),
			[]string{"libs/a/component.yaml:", "malformed YAML"}},
		{"unknown dependency suggests", base(map[string]string{"libs/a/component.yaml": "depends: [ordres]\n", "services/orders/main.go": "package main\n"}),
			[]string{"libs/a/component.yaml", `depends on "ordres"`, `did you mean "orders"`}},
		{"cycle names the cycle", base(map[string]string{"libs/a/component.yaml": "depends: [s]\n"}),
			[]string{"dependency cycle: ", "a -> s -> a"}},
		{"bad env in deploy", base(map[string]string{"services/s/component.yaml": "deploy:\n  envs: [qa]\n"}),
			[]string{"services/s/component.yaml:1", `unknown environment "qa"`}},
		{"perEnv outside a terraform stack", base(map[string]string{"services/s/component.yaml": "perEnv: true\ndeploy:\n  envs: [dev]\n"}),
			[]string{"services/s/component.yaml:1", "perEnv needs kind terraform-stack and deploy.envs"}},
		{"perEnv without environments", base(map[string]string{"infra/live/main.tf": "terraform {}\n", "infra/live/component.yaml": "perEnv: true\n"}),
			[]string{"infra/live/component.yaml:1", "perEnv needs kind terraform-stack and deploy.envs"}},
		{"task without command", base(map[string]string{"services/s/component.yaml": "tasks:\n  build:\n    outputs: [x]\n"}),
			[]string{"services/s/component.yaml:2", "tasks.build.command is required"}},
		{"task global input not declared", base(map[string]string{"services/s/component.yaml": "tasks:\n  lint:\n    command: x\n    globalInputs: [tools/*.sh]\n"}),
			[]string{"services/s/component.yaml:1", `tasks.lint.globalInputs: "tools/*.sh" is not a global input of mono.yaml`}},
		{"bad env name", base(map[string]string{"services/s/component.yaml": "tasks:\n  lint:\n    command: x\n    env: [OK_*, \"$HOME\"]\n"}),
			[]string{"services/s/component.yaml:4", `tasks.lint.env: "$HOME" is not a variable name or a prefix ending in *`}},
		{"lone star", base(map[string]string{"services/s/component.yaml": "tasks:\n  lint:\n    command: x\n    env: [\"*\"]\n"}),
			[]string{"services/s/component.yaml:4", `tasks.lint.env: "*"`}},
		{"duplicate names", base(map[string]string{"services/a/a.go": "package main\n"}),
			[]string{`component name "a" is used by both`, "set a distinct name"}},
		{"malformed package.json", base(map[string]string{"package.json": `{"workspaces": ["web/*"]}`, "web/x/package.json": "{\n  \"name\": 3\n}"}),
			[]string{"web/x/package.json: line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := discoverFiles(t, tt.files)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDiscoverCycleError(t *testing.T) {
	t.Parallel()
	_, err := discoverFiles(t, map[string]string{
		"mono.yaml":   "project: acme\n",
		"go.mod":      "module example.com/x\n\ngo 1.26\n",
		"libs/a/a.go": "package a\n\nimport _ \"example.com/x/libs/b\"\n",
		"libs/b/b.go": "package b\n\nimport _ \"example.com/x/libs/c\"\n",
		"libs/c/c.go": "package c\n\nimport _ \"example.com/x/libs/a\"\n",
	})
	var ce *graph.CycleError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a CycleError", err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "a"}, ce.Cycle); diff != "" {
		t.Errorf("cycle (-want +got):\n%s", diff)
	}
}

func TestFindRootFromSubfolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fixture.Write(t, dir, map[string]string{"mono.yaml": "", "libs/a/deep/x.go": "package deep\n"})
	got, err := workspace.FindRoot(filepath.Join(dir, "libs", "a", "deep"))
	if err != nil || got != dir {
		t.Fatalf("FindRoot = %q, %v; want %q", got, err, dir)
	}
	if _, err := workspace.FindRoot(t.TempDir()); !errors.Is(err, workspace.ErrNoRoot) {
		t.Fatalf("FindRoot outside = %v, want ErrNoRoot", err)
	}
}

func TestDiscoverTestOnlyEdges(t *testing.T) {
	t.Parallel()
	g, err := discoverFiles(t, map[string]string{
		"mono.yaml":                    "project: acme\n",
		"go.mod":                       "module example.com/x\n\ngo 1.26\n\nrequire example.com/mod v1.0.0\n",
		"libs/helper/helper.go":        "package helper\n",
		"libs/lib/lib.go":              "package lib\n",
		"libs/both/both.go":            "package both\n",
		"libs/both/both_test.go":       "package both_test\n\nimport _ \"example.com/x/libs/helper\"\n",
		"services/api/main.go":         "package main\n\nimport _ \"example.com/x/libs/lib\"\n\nfunc main() {}\n",
		"services/api/main_test.go":    "package main\n\nimport (\n\t_ \"example.com/x/libs/helper\"\n\t_ \"example.com/x/libs/lib\"\n)\n",
		"services/api/sub/sub_test.go": "package sub\n\nimport _ \"example.com/x/libs/both\"\n",
		"services/api/sub/sub.go":      "package sub\n\nimport _ \"example.com/x/libs/both\"\n",
		"scripts/job/main_test.go":     "package main\n\nimport _ \"example.com/x/services/api\"\n",
		"scripts/job/main.go":          "package main\n\nfunc main() {}\n",
		"scripts/job/component.yaml":   "depends: [helper]\n",
		"scripts/job/helper_test.go":   "package main\n\nimport (\n\t_ \"example.com/x/libs/helper\"\n\t_ \"example.com/mod/y\"\n)\n",
		"scripts/job/mod.go":           "package main\n\nimport _ \"example.com/mod/x\"\n",
		"libs/lib/lib_test.go":         "package lib\n\nimport _ \"example.com/mod/x\"\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	type edges struct{ Depends, TestDepends []string }
	got := map[string]edges{}
	for _, c := range g.Components() {
		got[c.Name] = edges{c.Depends, c.TestDepends}
	}
	want := map[string]edges{
		"helper": {},
		"lib":    {},
		"both":   {Depends: []string{"helper"}, TestDepends: []string{"helper"}},
		// lib is imported by main.go too; both by sub.go after sub_test.go.
		"api": {Depends: []string{"both", "helper", "lib"}, TestDepends: []string{"helper"}},
		// component.yaml's depends makes helper a full edge.
		"job": {Depends: []string{"api", "helper"}, TestDepends: []string{"api"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
	// Modules: job imports example.com/mod in its code, lib in tests only.
	for name, want := range map[string][]string{"job": nil, "lib": {"example.com/mod"}} {
		c := g.Get(name)
		if diff := cmp.Diff(want, c.TestModules); diff != "" || !cmp.Equal(c.Modules, []string{"example.com/mod"}) {
			t.Errorf("%s: modules %v, test modules (-want +got):\n%s", name, c.Modules, diff)
		}
	}
	if m := g.Get("lib").ModulesFor("lint"); len(m) != 0 {
		t.Errorf("lib.ModulesFor(lint) = %v, want none", m)
	}
}
