package runcmd_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCachedRunMissesOnChange runs a build three times (the third takes
// every result from the record of the last results, see results.go), then
// changes one thing and checks which tasks run, and that the outputs are
// on disk as built.
func TestCachedRunMissesOnChange(t *testing.T) {
	t.Parallel()
	const (
		hit  = "cached/hit"
		miss = "ok/miss"
	)
	lib := component("lib", `mkdir -p out; cat src.txt > out/lib.txt`)
	app := "name: app\nkind: helm-chart\ndepends: [lib]\ntasks:\n  build:\n" +
		"    command: 'mkdir -p out; cat src.txt ../lib/out/lib.txt > out/app.txt; echo \"$FLAVOUR\" >> out/app.txt'\n" +
		"    outputs: [out/**]\n    env: [FLAVOUR]\n    globalInputs: [Makefile]\n"
	outputs := map[string]string{"comps/lib/out/lib.txt": "1\n", "comps/app/out/app.txt": "1\n1\nplain\n"}
	tests := []struct {
		name    string
		change  func(t *testing.T, dir string)
		environ []string // instead of FLAVOUR=plain
		want    map[string]string
		// outputs after the run, when they differ from the first build's
		outputs map[string]string
	}{
		{name: "nothing", want: map[string]string{"lib": hit, "app": hit}},
		{name: "content", change: func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"comps/app/src.txt": "2\n"})
		}, want: map[string]string{"lib": hit, "app": miss},
			outputs: map[string]string{"comps/app/out/app.txt": "2\n1\nplain\n"}},
		{name: "content of the same size and time", change: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "comps/app/src.txt")
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, map[string]string{"comps/app/src.txt": "3\n"})
			if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": hit, "app": miss},
			outputs: map[string]string{"comps/app/out/app.txt": "3\n1\nplain\n"}},
		{name: "mode", change: func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "comps/app/src.txt"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": hit, "app": miss}},
		{name: "file added", change: func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"comps/app/more/new.txt": "x"})
		}, want: map[string]string{"lib": hit, "app": miss}},
		{name: "file removed", change: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "comps/app/extra.txt")); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": hit, "app": miss}},
		{name: "dependency output", change: func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"comps/lib/src.txt": "5\n"})
		}, want: map[string]string{"lib": miss, "app": miss},
			outputs: map[string]string{"comps/lib/out/lib.txt": "5\n", "comps/app/out/app.txt": "1\n5\nplain\n"}},
		{name: "declared env var", environ: []string{"FLAVOUR=spicy"},
			want:    map[string]string{"lib": hit, "app": miss},
			outputs: map[string]string{"comps/app/out/app.txt": "1\n1\nspicy\n"}},
		{name: "global input", change: func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"Makefile": "all:\n\ttrue\n"})
		}, want: map[string]string{"lib": hit, "app": miss}},
		{name: "output removed", change: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "comps/app/out/app.txt")); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": hit, "app": hit}},
		{name: "output changed, same size and time", change: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "comps/lib/out/lib.txt")
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, map[string]string{"comps/lib/out/lib.txt": "9\n"})
			if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": hit, "app": hit}},
		{name: "output mode", change: func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "comps/lib/out/lib.txt"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": hit, "app": hit}},
		{name: "cache entries evicted", change: func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, ".mono/cache/entries")); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]string{"lib": miss, "app": miss}},
		{name: "record of the last results damaged", change: func(t *testing.T, dir string) {
			write(t, dir, map[string]string{".mono/cache/results/build.json": "{"})
		}, want: map[string]string{"lib": hit, "app": hit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := workspace(t, map[string]string{"lib": lib, "app": app})
			write(t, dir, map[string]string{"Makefile": "all:\n", "comps/app/extra.txt": "e"})
			old := time.Now().Add(-time.Hour) // out of the memo's racy window
			for _, f := range []string{"Makefile", "comps/app/extra.txt", "comps/app/src.txt", "comps/lib/src.txt"} {
				if err := os.Chtimes(filepath.Join(dir, f), old, old); err != nil {
					t.Fatal(err)
				}
			}
			environ := append(os.Environ(), "FLAVOUR=plain")
			for i, want := range []string{miss, hit, hit} {
				r := runEnv(t, ctx, dir, environ, "build", "--json")
				if diff := cmp.Diff(map[string]string{"lib": want, "app": want}, statuses(t, r.stdout)); r.code != 0 || diff != "" {
					t.Fatalf("run %d before the change: exit %d (-want +got):\n%s%s", i+1, r.code, diff, r.stderr)
				}
			}
			if tt.change != nil {
				tt.change(t, dir)
			}
			if tt.environ != nil {
				environ = append(os.Environ(), tt.environ...)
			}
			r := runEnv(t, ctx, dir, environ, "build", "--json")
			if diff := cmp.Diff(tt.want, statuses(t, r.stdout)); r.code != 0 || diff != "" {
				t.Errorf("after the change: exit %d (-want +got):\n%s%s", r.code, diff, r.stderr)
			}
			for f, content := range outputs {
				if c, ok := tt.outputs[f]; ok {
					content = c
				}
				p := filepath.Join(dir, f)
				b, err := os.ReadFile(p)
				if err != nil || string(b) != content {
					t.Errorf("%s = %q, %v; want %q", f, b, err, content)
				}
				if info, err := os.Stat(p); err == nil && info.Mode().Perm() != 0o644 {
					t.Errorf("%s has mode %v, want 0644", f, info.Mode().Perm())
				}
			}
		})
	}
}
