package runcmd_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/build/internal/runcmd"
)

// dependsOnRepo has app depending on lib, both with build and test tasks
// that append their name to $MONO_ROOT/order.txt; appTest is the test task
// of app, with or without dependsOn.
func dependsOnRepo(t *testing.T, appTest string) string {
	t.Helper()
	const log = `echo "$MONO_COMPONENT:$MONO_TARGET" >> "$MONO_ROOT/order.txt"`
	tasks := "tasks:\n  build:\n    command: '" + log + "'\n  test:\n    command: '" + log + "'\n"
	return fixture.Repo(t, map[string]string{
		"mono.yaml":                "project: t\nenvironments: [local]\n",
		"comps/lib/component.yaml": "name: lib\nkind: helm-chart\n" + tasks,
		"comps/app/component.yaml": "name: app\nkind: helm-chart\ndepends: [lib]\n" + tasks + appTest,
		".gitignore":               ".mono/\norder.txt\n",
	})
}

func order(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "order.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}

func TestDependsOnChangesOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		appTest string
		ran     []string
		before  [][2]string // each pair: first ran before second
	}{
		{name: "default: the same target of the dependencies",
			ran: []string{"app:test", "lib:test"}, before: [][2]string{{"lib:test", "app:test"}}},
		{name: "own build, then the dependencies' build", appTest: "    dependsOn: [build]\n",
			ran:    []string{"app:build", "app:test", "lib:build", "lib:test"},
			before: [][2]string{{"app:build", "app:test"}, {"lib:build", "app:build"}}},
		{name: "no dependencies", appTest: "    dependsOn: []\n",
			ran: []string{"app:test", "lib:test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := dependsOnRepo(t, tt.appTest)
			if res := run(t, context.Background(), dir, "test", "-p", "1"); res.code != 0 {
				t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
			}
			got := order(t, dir)
			sorted := slices.Sorted(slices.Values(got))
			if !slices.Equal(sorted, tt.ran) {
				t.Fatalf("ran %v, want %v", got, tt.ran)
			}
			for _, p := range tt.before {
				if slices.Index(got, p[0]) > slices.Index(got, p[1]) {
					t.Errorf("ran %v: %s after %s", got, p[0], p[1])
				}
			}
		})
	}
}

func TestGraph(t *testing.T) {
	t.Parallel()
	dir := dependsOnRepo(t, "    dependsOn: [build, ^test]\n")
	res := run(t, context.Background(), dir, "test", "--graph", "--json")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	var got runcmd.TaskGraph
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("no JSON: %v\n%s", err, res.stdout)
	}
	want := runcmd.TaskGraph{Target: "test", Tasks: []runcmd.GraphTask{
		{ID: "lib:build", Component: "lib", Target: "build", Kind: "helm-chart", Dir: "comps/lib", DependsOn: []string{"^build"}, Deps: []string{}},
		{ID: "app:build", Component: "app", Target: "build", Kind: "helm-chart", Dir: "comps/app", DependsOn: []string{"^build"}, Deps: []string{"lib:build"}},
		{ID: "lib:test", Component: "lib", Target: "test", Kind: "helm-chart", Dir: "comps/lib", DependsOn: []string{"^test"}, Deps: []string{}},
		{ID: "app:test", Component: "app", Target: "test", Kind: "helm-chart", Dir: "comps/app", DependsOn: []string{"build", "^test"}, Deps: []string{"app:build", "lib:test"}},
	}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(runcmd.GraphTask{}, "Command")); diff != "" {
		t.Errorf("--graph --json (-want +got):\n%s", diff)
	}
	for _, f := range []string{".mono", "order.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("--graph created %s", f)
		}
	}

	res = run(t, context.Background(), dir, "test", "--graph")
	if want := "lib:build\napp:build -> lib:build\nlib:test\napp:test -> app:build, lib:test\n"; res.stdout != want {
		t.Errorf("--graph text:\n%s\nwant:\n%s", res.stdout, want)
	}
	res = run(t, context.Background(), dir, "test", "--graph", "--format", "html")
	for _, w := range []string{"<title>Task graph of mono run test (4 tasks)</title>", `"name":"app:test"`} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("--graph --format html lacks %s", w)
		}
	}
	res = run(t, context.Background(), dir, "test", "--dry-run")
	if !regexp.MustCompile(`(?m)app:test .* app:build,lib$`).MatchString(res.stdout) {
		t.Errorf("--dry-run: app:test waits for app:build (its own) and lib (test):\n%s", res.stdout)
	}
	res = run(t, context.Background(), dir, "test", "--format", "dot")
	if res.code != cli.ExitUsage {
		t.Errorf("--format without --graph: exit %d, want %d", res.code, cli.ExitUsage)
	}
}

// TestDependsOnKey: a task of another target that a task waits for is part
// of its key.
func TestDependsOnKey(t *testing.T) {
	t.Parallel()
	dir := dependsOnRepo(t, "    dependsOn: [build]\n")
	ctx := context.Background()
	if res := run(t, ctx, dir, "test", "app", "--json"); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	res := run(t, ctx, dir, "test", "app", "--json")
	if got := statuses(t, res.stdout); got["app"] != "cached/hit" {
		t.Fatalf("second run: %v, want app cached", got)
	}
	manifest := filepath.Join(dir, "comps/lib/component.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte(strings.Replace(string(data), "build:\n    command: '", "build:\n    command: 'true; ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res = run(t, ctx, dir, "test", "app", "--json", "--explain")
	var s runcmd.Summary
	if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, task := range s.Tasks {
		if task.Component == "app" && task.Target == "test" {
			if task.Cache != "miss" {
				t.Errorf("app:test after lib's build command changed: cache %s, want miss", task.Cache)
			}
			for _, c := range task.Changes {
				changes = append(changes, c.String())
			}
		}
	}
	if !slices.Contains(changes, "dependency app:build changed") {
		t.Errorf("app:test changes %v, want dependency app:build changed", changes)
	}
}
