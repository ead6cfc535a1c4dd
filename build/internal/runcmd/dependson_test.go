package runcmd_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/fixture"
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
