package graph_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/graph"
)

// diamond: app -> api -> {db, cache}; db -> core; cache -> core; tool alone.
func diamond(t *testing.T) *graph.Graph {
	t.Helper()
	g, err := graph.New([]*graph.Component{
		{Name: "app", Kind: graph.NodeApp, Dir: "web/app", Depends: []string{"api"}},
		{Name: "api", Kind: graph.GoService, Dir: "services/api", Depends: []string{"db", "cache"}},
		{Name: "db", Kind: graph.GoLib, Dir: "libs/db", Depends: []string{"core"}},
		{Name: "cache", Kind: graph.GoLib, Dir: "libs/cache", Depends: []string{"core"}},
		{Name: "core", Kind: graph.GoLib, Dir: "libs/core"},
		{Name: "dbtest", Kind: graph.GoLib, Dir: "libs/db/dbtest", Depends: []string{"db"}},
		{Name: "tool", Kind: graph.GoTool, Dir: "build"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestOrderPutsDependenciesFirst(t *testing.T) {
	t.Parallel()
	g := diamond(t)
	tests := []struct {
		start []string
		want  []string
	}{
		{[]string{"app"}, []string{"core", "cache", "db", "api", "app"}},
		{[]string{"db"}, []string{"core", "db"}},
		{[]string{"tool", "cache"}, []string{"core", "cache", "tool"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.start, ","), func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, g.Order(tt.start)); diff != "" {
				t.Errorf("Order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDependentsClosureAndPath(t *testing.T) {
	t.Parallel()
	g := diamond(t)
	got := map[string][]string{}
	for n, r := range g.DependentsClosure([]string{"core"}) {
		got[n] = r.Via
	}
	want := map[string][]string{
		"core":   {"core"},
		"db":     {"core", "db"},
		"cache":  {"core", "cache"},
		"api":    {"core", "cache", "api"},
		"app":    {"core", "cache", "api", "app"},
		"dbtest": {"core", "db", "dbtest"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("closure (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"app", "api", "cache", "core"}, g.Path("app", "core")); diff != "" {
		t.Errorf("Path (-want +got):\n%s", diff)
	}
	if p := g.Path("core", "app"); p != nil {
		t.Errorf("Path(core, app) = %v, want nil", p)
	}
	if diff := cmp.Diff([]string{"api", "cache", "core", "db"}, g.Deps("app")); diff != "" {
		t.Errorf("Deps (-want +got):\n%s", diff)
	}
}

func TestOwnerPicksDeepestFolder(t *testing.T) {
	t.Parallel()
	g := diamond(t)
	tests := map[string]string{
		"libs/db/pool.go":          "db",
		"libs/db/dbtest/pg.go":     "dbtest",
		"libs/db/dbtest/x/y.go":    "dbtest",
		"libs/dbx/file.go":         "",
		"Makefile":                 "",
		"build/internal/app/a.go":  "tool",
		"web/app/src/index.tsx":    "app",
		"services/api/openapi.yml": "api",
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			got := ""
			if cs := g.Owners(file); len(cs) == 1 {
				got = cs[0].Name
			} else if len(cs) > 1 {
				t.Fatalf("Owners(%s) = %d components, want at most one", file, len(cs))
			}
			if got != want {
				t.Errorf("Owners(%s) = %q, want %q", file, got, want)
			}
		})
	}
}

// TestOwnersOfASharedFolder: components that share a folder each exclude
// the others' files; a file none excludes belongs to all of them.
func TestOwnersOfASharedFolder(t *testing.T) {
	t.Parallel()
	g, err := graph.New([]*graph.Component{
		{Name: "infra-dev", Dir: "infra/live", Exclude: []string{"prod.tfvars", "prod.backend.hcl"}},
		{Name: "infra-prod", Dir: "infra/live", Exclude: []string{"dev.tfvars", "dev.backend.hcl"}},
		{Name: "tfmod-kms", Dir: "infra/modules/kms"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]string{
		"infra/live/eks.tf":          {"infra-dev", "infra-prod"},
		"infra/live/prod.tfvars":     {"infra-prod"},
		"infra/live/dev.backend.hcl": {"infra-dev"},
		"infra/modules/kms/main.tf":  {"tfmod-kms"},
		"infra/live/sub/prod.tfvars": {"infra-dev", "infra-prod"},
		"infra/README.md":            nil,
	}
	for file, want := range tests {
		var got []string
		for _, c := range g.Owners(file) {
			got = append(got, c.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Owners(%s) (-want +got):\n%s", file, diff)
		}
	}
}

func TestNewRejectsBadGraphs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		comps []*graph.Component
		want  string
	}{
		{"cycle", []*graph.Component{
			{Name: "a", Dir: "a", Depends: []string{"b"}},
			{Name: "b", Dir: "b", Depends: []string{"c"}},
			{Name: "c", Dir: "c", Depends: []string{"a"}},
		}, "dependency cycle: a -> b -> c -> a"},
		{"self cycle", []*graph.Component{{Name: "a", Dir: "a", Depends: []string{"a"}}}, "dependency cycle: a -> a"},
		{"unknown dep", []*graph.Component{
			{Name: "orders", Dir: "o"}, {Name: "x", Dir: "x", Depends: []string{"ordrs"}},
		}, `depends on "ordrs": unknown component (did you mean "orders"?)`},
		{"duplicate name", []*graph.Component{{Name: "a", Dir: "x"}, {Name: "a", Dir: "y"}}, `component name "a" is used by both x and y`},
		{"shared folder", []*graph.Component{{Name: "a", Dir: "x"}, {Name: "b", Dir: "x"}}, "share the folder x"},
		{"shared folder, one excludes nothing", []*graph.Component{{Name: "a", Dir: "x", Exclude: []string{"b.txt"}}, {Name: "b", Dir: "x"}}, "share the folder x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := graph.New(tt.comps)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLookupSuggests(t *testing.T) {
	t.Parallel()
	g := diamond(t)
	_, err := g.Lookup("cahce")
	if !errors.Is(err, graph.ErrUnknown) || !strings.Contains(err.Error(), `did you mean "cache"`) {
		t.Fatalf("Lookup err = %v", err)
	}
	if _, err := g.Lookup("zzzzzzzzzz"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Fatalf("Lookup of nonsense = %v, want no suggestion", err)
	}
}

func TestDeployedTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    graph.Component
		env  string
		want bool
	}{
		{graph.Component{Kind: graph.GoService}, "dev", true},
		{graph.Component{Kind: graph.GoService, Deploy: graph.Deploy{Envs: []string{"prod"}}}, "dev", false},
		{graph.Component{Kind: graph.GoService, Deploy: graph.Deploy{Envs: []string{"prod"}}}, "prod", true},
		{graph.Component{Kind: graph.GoLib}, "dev", false},
		{graph.Component{Kind: graph.TerraformStack}, "dev", false},
	}
	for _, tt := range tests {
		if got := tt.c.DeployedTo(tt.env); got != tt.want {
			t.Errorf("%s %v DeployedTo(%s) = %v, want %v", tt.c.Kind, tt.c.Deploy.Envs, tt.env, got, tt.want)
		}
	}
}

// TestAffectsStopsAtTestOnlyEdges: svc uses helper only in tests, job uses
// svc only in tests, app uses svc fully.
func TestAffectsStopsAtTestOnlyEdges(t *testing.T) {
	t.Parallel()
	g, err := graph.New([]*graph.Component{
		{Name: "helper", Kind: graph.GoLib, Dir: "libs/helper", Depends: []string{"lib"}},
		{Name: "lib", Kind: graph.GoLib, Dir: "libs/lib"},
		{Name: "svc", Kind: graph.GoService, Dir: "services/svc", Depends: []string{"helper", "lib"}, TestDepends: []string{"helper"}},
		{Name: "job", Kind: graph.GoJob, Dir: "scripts/job", Depends: []string{"svc"}, TestDepends: []string{"svc"}},
		{Name: "app", Kind: graph.NodeApp, Dir: "web/app", Depends: []string{"svc"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type reach struct {
		Via      []string
		TestOnly bool
	}
	tests := []struct {
		start string
		want  map[string]reach
	}{
		{"helper", map[string]reach{
			"helper": {Via: []string{"helper"}},
			"svc":    {Via: []string{"helper", "svc"}, TestOnly: true},
		}},
		{"lib", map[string]reach{
			"lib":    {Via: []string{"lib"}},
			"helper": {Via: []string{"lib", "helper"}},
			"svc":    {Via: []string{"lib", "svc"}},
			"job":    {Via: []string{"lib", "svc", "job"}, TestOnly: true},
			"app":    {Via: []string{"lib", "svc", "app"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.start, func(t *testing.T) {
			t.Parallel()
			got := map[string]reach{}
			for n, r := range g.Affects([]string{tt.start}) {
				got[n] = reach{Via: r.Via, TestOnly: r.TestOnly}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Affects (-want +got):\n%s", diff)
			}
		})
	}
	svc := g.Get("svc")
	if diff := cmp.Diff([]string{"lib"}, svc.DependsFor("lint")); diff != "" {
		t.Errorf("DependsFor(lint) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"helper", "lib"}, svc.DependsFor(graph.TestTarget)); diff != "" {
		t.Errorf("DependsFor(test) (-want +got):\n%s", diff)
	}
}

func TestNewRejectsTestDependsOutsideDepends(t *testing.T) {
	t.Parallel()
	_, err := graph.New([]*graph.Component{
		{Name: "a", Kind: graph.GoLib, Dir: "libs/a", TestDepends: []string{"b"}},
		{Name: "b", Kind: graph.GoLib, Dir: "libs/b"},
	})
	if err == nil {
		t.Fatal("New accepted a test dependency that is not a dependency")
	}
}
