package task

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// planFixture: api uses money, and testenv only in its tests.
var planFixture = map[string]string{
	"go.mod":                    "module example.com/t\n\ngo 1.26\n",
	"libs/money/money.go":       "package money\n",
	"libs/testenv/testenv.go":   "package testenv\n",
	"services/api/main.go":      "package main\n\nimport _ \"example.com/t/libs/money\"\n",
	"services/api/main_test.go": "package main\n\nimport _ \"example.com/t/libs/testenv\"\n",
}

func TestPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mono   string // extra mono.yaml content
		api    string // services/api/component.yaml, "" for none
		target string
		names  []string // nil: every component
		want   map[string][]string
	}{
		{name: "default: the same target of the dependencies, test-only edges for test",
			target: "test",
			want:   map[string][]string{"api:test": {"money:test", "testenv:test"}, "money:test": nil, "testenv:test": nil}},
		{name: "default build leaves out the test-only edge", target: "build",
			want: map[string][]string{"api:build": {"money:build"}, "money:build": nil, "testenv:build": nil}},
		{name: "default passes through unselected components", target: "test", names: []string{"api"},
			want: map[string][]string{"api:test": nil}},
		{name: "own target from mono.yaml per kind", target: "test",
			mono: "tasks:\n  go-service:\n    test:\n      dependsOn: [build]\n",
			want: map[string][]string{"api:test": {"api:build"}, "api:build": {"money:build"}, "money:build": nil, "money:test": nil, "testenv:test": nil}},
		{name: "^build from component.yaml pulls dependencies' build, not through test-only edges", target: "test", names: []string{"api"},
			api:  "tasks:\n  test:\n    dependsOn: [^build, build]\n",
			want: map[string][]string{"api:test": {"api:build", "money:build"}, "api:build": {"money:build"}, "money:build": nil}},
		{name: "^test of another name counts test-only edges", target: "check", names: []string{"api"},
			api:  "tasks:\n  check:\n    command: true\n    dependsOn: [^test]\n",
			want: map[string][]string{"api:check": {"money:test", "testenv:test"}, "money:test": nil, "testenv:test": nil}},
		{name: "[] waits for nothing", target: "test",
			api:  "tasks:\n  test:\n    dependsOn: []\n",
			want: map[string][]string{"api:test": nil, "money:test": nil, "testenv:test": nil}},
		{name: "component.yaml wins over mono.yaml", target: "test",
			mono: "tasks:\n  go-service:\n    test:\n      dependsOn: [build]\n",
			api:  "tasks:\n  test:\n    dependsOn: []\n",
			want: map[string][]string{"api:test": nil, "money:test": nil, "testenv:test": nil}},
		{name: "component.yaml without dependsOn inherits mono.yaml's", target: "test", names: []string{"api"},
			mono: "tasks:\n  go-service:\n    test:\n      dependsOn: [build]\n",
			api:  "tasks:\n  test:\n    command: go test -short ./...\n",
			want: map[string][]string{"api:test": {"api:build"}, "api:build": {"money:build"}, "money:build": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, g := planSetup(t, tt.mono, tt.api)
			names := tt.names
			if names == nil {
				names = g.Names()
			}
			tg, err := r.Plan(g, tt.target, names)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			pos := map[string]int{}
			for i, n := range tg.Nodes {
				var deps []string
				for _, d := range n.Deps {
					deps = append(deps, d.String())
					if _, ok := pos[d.String()]; !ok {
						t.Errorf("%s comes before its dependency %s", n.ID, d)
					}
				}
				got[n.ID.String()] = deps
				pos[n.ID.String()] = i
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("task graph (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, mono, api string
		want            []string
	}{
		{name: "unknown own target", api: "tasks:\n  test:\n    command: go test ./...\n    dependsOn: [buld]\n",
			want: []string{"services/api/component.yaml:4: ", `tasks.test.dependsOn: unknown target "buld" (did you mean "build"?); targets of api: build, lint, test`}},
		{name: "unknown target of the dependencies in mono.yaml", mono: "tasks:\n  go-lib:\n    lint:\n      dependsOn: [^compile]\n",
			want: []string{"mono.yaml:6: ", `tasks.lint.dependsOn: unknown target "^compile"`, "targets of the repository: build, lint, test"}},
		{name: "cycle", api: "tasks:\n  build:\n    dependsOn: [test]\n  test:\n    dependsOn: [lint]\n  lint:\n    dependsOn: [build]\n",
			want: []string{"services/api/component.yaml:3: ", "tasks of api wait for each other in a cycle: build -> test -> lint -> build"}},
		{name: "self", api: "tasks:\n  build:\n    dependsOn: [build]\n",
			want: []string{"cycle: build -> build"}},
		{name: "only dependsOn with nothing to refine", api: "tasks:\n  deploy:\n    dependsOn: [build]\n",
			want: []string{"services/api/component.yaml:2: ", "tasks.deploy has no command", "api (kind go-service) has no default deploy task"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, g := planSetup(t, tt.mono, tt.api)
			_, err := r.Plan(g, "test", g.Names())
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

func TestDependsOnSyntax(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"mono.yaml": baseMono + "tasks:\n  go-lib:\n    test:\n      dependsOn: [\"^\"]\n",
	})
	_, err := workspace.Load(dir)
	if err == nil || !strings.Contains(err.Error(), `mono.yaml:6: tasks.go-lib.test.dependsOn: "^" is not a target`) {
		t.Fatalf("error %v, want the line and the entry", err)
	}
}

func planSetup(t *testing.T, mono, api string) (*Resolver, *graph.Graph) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"mono.yaml": baseMono + mono}
	for k, v := range planFixture {
		files[k] = v
	}
	if api != "" {
		files["services/api/component.yaml"] = api
	}
	write(t, dir, files)
	ws, g := load(t, dir)
	return NewResolver(ws), g
}
