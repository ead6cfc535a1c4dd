package task

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func load(t *testing.T, dir string) (*workspace.Workspace, *graph.Graph) {
	t.Helper()
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	return ws, g
}

const baseMono = "project: t\nenvironments: [local]\n"

// kindsFixture has one component of most kinds.
var kindsFixture = map[string]string{
	"go.mod":                            "module example.com/t\n\ngo 1.26\n",
	"libs/money/money.go":               "package money\n",
	"services/api/main.go":              "package main\n",
	"build/component.yaml":              "name: mono\nkind: go-tool\n",
	"build/cmd/mono/main.go":            "package main\n",
	"package.json":                      `{"workspaces": ["web/*"]}`,
	"web/shop/package.json":             `{"name": "@t/shop", "scripts": {"build": "vite build", "prebuild": "tsc", "test": "vitest run", "lint": "eslint ."}}`,
	"infrastructure/modules/s3/main.tf": "",
	"dash/sales/pyproject.toml":         "",
	"dash/sales/tests/test_app.py":      "",
	"dash/plain/pyproject.toml":         "",
	"deploy/chart/Chart.yaml":           "name: chart\n",
}

func TestResolve(t *testing.T) {
	t.Parallel()
	goTest := graph.Task{Command: "go test ./...", Env: goEnv, Tools: goTools}
	tests := []struct {
		name      string
		mono      string            // extra mono.yaml content
		files     map[string]string // extra files
		component string
		target    string
		want      graph.Task
		wantOK    bool
	}{
		{name: "go-lib build", component: "money", target: "build", wantOK: true,
			want: graph.Task{Command: "go build ./...", Env: goEnv, Tools: goTools}},
		{name: "go-service build writes MONO_OUT", component: "api", target: "build", wantOK: true,
			want: graph.Task{Command: `go build -o "$MONO_OUT/api" .`, Outputs: []string{"$MONO_OUT/api"}, Env: goEnv, Tools: goTools}},
		{name: "go tool built from cmd/<name>", component: "mono", target: "build", wantOK: true,
			want: graph.Task{Command: `go build -o "$MONO_OUT/mono" ./cmd/mono`, Outputs: []string{"$MONO_OUT/mono"}, Env: goEnv, Tools: goTools}},
		{name: "go test", component: "api", target: "test", wantOK: true, want: goTest},
		{name: "go lint", component: "money", target: "lint", wantOK: true,
			want: graph.Task{Command: "go vet ./...", Env: goEnv, Tools: goTools}},
		{name: "node script with pre script and dist outputs", component: "@t/shop", target: "build", wantOK: true,
			want: graph.Task{Command: "(tsc) && (vite build)", Outputs: []string{"dist/**"}, Env: nodeEnv, Tools: nodeTool}},
		{name: "node script", component: "@t/shop", target: "lint", wantOK: true,
			want: graph.Task{Command: "eslint .", Env: nodeEnv, Tools: nodeTool}},
		{name: "node without the script", component: "@t/shop", target: "deploy"},
		{name: "terraform module lint", component: "tfmod-s3", target: "lint", wantOK: true,
			want: graph.Task{Command: "terraform fmt -check -recursive", Tools: []string{"terraform"}}},
		{name: "terraform has no test", component: "tfmod-s3", target: "test"},
		{name: "python app with tests", component: "sales", target: "test", wantOK: true,
			want: graph.Task{Command: "python3 -m pytest -q", Env: []string{"PYTHONPATH"}, Tools: []string{"python3"}}},
		{name: "python app without tests", component: "plain", target: "test"},
		{name: "helm chart has nothing built in", component: "chart", target: "lint"},
		{name: "mono.yaml overrides a kind and inherits tools",
			mono: "tasks:\n  go-service:\n    test:\n      command: go test -race ./...\n", component: "api", target: "test", wantOK: true,
			want: graph.Task{Command: "go test -race ./...", Env: goEnv, Tools: goTools}},
		{name: "mono.yaml override leaves other kinds alone",
			mono: "tasks:\n  go-service:\n    test:\n      command: go test -race ./...\n", component: "money", target: "test", wantOK: true,
			want: goTest},
		{name: "mono.yaml adds a target to a kind",
			mono: "tasks:\n  helm-chart:\n    lint:\n      command: helm lint .\n      tools: [helm]\n", component: "chart", target: "lint", wantOK: true,
			want: graph.Task{Command: "helm lint .", Tools: []string{"helm"}}},
		{name: "component.yaml wins over mono.yaml",
			mono:      "tasks:\n  go-service:\n    test:\n      command: go test -race ./...\n",
			files:     map[string]string{"services/api/component.yaml": "tasks:\n  test:\n    command: go test -short ./...\n    env: [DB_URL]\n"},
			component: "api", target: "test", wantOK: true,
			want: graph.Task{Command: "go test -short ./...", Env: []string{"DB_URL"}, Tools: goTools}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, kindsFixture)
			write(t, dir, map[string]string{"mono.yaml": baseMono + tt.mono})
			write(t, dir, tt.files)
			ws, g := load(t, dir)
			c, err := g.Lookup(tt.component)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := NewResolver(ws).Resolve(c, tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK {
				t.Fatalf("has %s = %v, want %v", tt.target, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("task (-want +got):\n%s", diff)
			}
		})
	}
}

// keyFixture: app depends on lib (Go import); other is unrelated; web is a
// node app; tool "fakec" is a script on a private PATH.
var keyFixture = map[string]string{
	"mono.yaml": baseMono + `tasks:
  go-lib:
    test:
      command: go test ./...
      env: [LIB_FLAG]
      tools: [fakec]
`,
	"go.mod":                   "module example.com/t\n\ngo 1.26\n\nrequire (\n\tgithub.com/used/mod v1.0.0\n\tgithub.com/unused/mod v1.0.0\n)\n",
	"libs/lib/lib.go":          "package lib\n\nimport _ \"github.com/used/mod/x\"\n",
	"libs/lib/testdata/in.txt": "fixture\n",
	"libs/app/app.go":          "package app\n\nimport _ \"example.com/t/libs/lib\"\n",
	"libs/other/other.go":      "package other\n",
	"package.json":             `{"workspaces": ["web/*"]}`,
	"web/shop/package.json":    `{"name": "shop", "scripts": {"build": "vite build"}}`,
	"web/shop/src/main.ts":     "export {}\n",
	"bin/fakec":                "#!/bin/sh\necho fakec 1.0\n",
}

func keys(t *testing.T, dir, target string, env map[string]string) map[string]*Manifest {
	t.Helper()
	ws, g := load(t, dir)
	getenv := func(k string) string {
		if k == "PATH" {
			return filepath.Join(dir, "bin")
		}
		return env[k]
	}
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	k := NewKeyer(ws, g, nil, NewResolver(ws), NewFileHasher(ws.Root, ""), NewTools("", getenv), environ)
	m, err := k.Keys(context.Background(), target, g.Names())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// otherInputs declares the inputs of other's test: its src folder and the
// JSON files of the root's shared folder.
var otherInputs = map[string]string{
	"libs/other/component.yaml": "tasks:\n  test:\n    command: go test ./...\n    inputs: [src/**, \"$MONO_ROOT/shared/*.json\"]\n",
	"libs/other/src/a.go":       "package src\n",
	"libs/other/notes.md":       "notes\n",
	"shared/schema.json":        "{}\n",
	"shared/readme.txt":         "readme\n",
}

// testHelper makes lib a test-only dependency of other.
var testHelper = map[string]string{
	"libs/other/other_test.go": "package other\n\nimport _ \"example.com/t/libs/lib\"\n",
}

// testModule makes github.com/unused/mod a module of other's tests only.
var testModule = map[string]string{
	"libs/other/other_test.go": "package other\n\nimport _ \"github.com/unused/mod/y\"\n",
}

// globalInput makes other's test read the global input hack/gen.sh.
var globalInput = map[string]string{
	"libs/other/component.yaml": "tasks:\n  test:\n    command: go test ./...\n    globalInputs: [hack/gen.sh]\n",
	"hack/gen.sh":               "#!/bin/sh\n",
	"hack/other.sh":             "#!/bin/sh\n",
}

// lockFixture returns a package.json for shop that uses vite, and a lock with
// the given versions of vite (shop's) and left-pad (nobody's).
func lockFixture(vite, leftPad string) map[string]string {
	return map[string]string{
		"web/shop/package.json": `{"name": "shop", "scripts": {"build": "vite build"}, "devDependencies": {"vite": "^5"}}`,
		"package-lock.json": `{"lockfileVersion": 3, "packages": {
  "": {"workspaces": ["web/*"]},
  "web/shop": {"name": "shop", "devDependencies": {"vite": "^5"}},
  "node_modules/shop": {"resolved": "web/shop", "link": true},
  "node_modules/vite": {"version": "` + vite + `", "dependencies": {"esbuild": "*"}},
  "node_modules/esbuild": {"version": "0.20.0"},
  "node_modules/left-pad": {"version": "` + leftPad + `"}
}}`,
	}
}

func TestKeyChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		target     string
		component  string
		setup      map[string]string // files written before the first key
		env        map[string]string // before and after unless envAfter
		envAfter   map[string]string
		change     map[string]string // files written after the first key
		remove     string
		wantChange bool
	}{
		{name: "input file modified", target: "test", component: "lib", change: map[string]string{"libs/lib/lib.go": "package lib // changed\n"}, wantChange: true},
		{name: "input file added", target: "test", component: "lib", change: map[string]string{"libs/lib/new.go": "package lib\n"}, wantChange: true},
		{name: "input file removed", target: "test", component: "lib", remove: "libs/lib/testdata/in.txt", wantChange: true},
		{name: "testdata is an input", target: "test", component: "lib", change: map[string]string{"libs/lib/testdata/in.txt": "other\n"}, wantChange: true},
		{name: "unrelated component", target: "test", component: "lib", change: map[string]string{"libs/other/other.go": "package other // changed\n"}},
		{name: "unrelated root file", target: "test", component: "lib", change: map[string]string{"README.md": "hello\n"}},
		{name: "declared env var", target: "test", component: "lib", env: map[string]string{"LIB_FLAG": "1"}, envAfter: map[string]string{"LIB_FLAG": "2"}, wantChange: true},
		{name: "undeclared env var", target: "test", component: "lib", env: map[string]string{"OTHER": "1"}, envAfter: map[string]string{"OTHER": "2"}},
		{name: "command", target: "test", component: "lib", change: map[string]string{"libs/lib/component.yaml": "tasks:\n  test:\n    command: go test -v ./...\n"}, wantChange: true},
		{name: "tool version", target: "test", component: "lib", change: map[string]string{"bin/fakec": "#!/bin/sh\necho fakec 2.0\n"}, wantChange: true},
		{name: "used module version", target: "test", component: "lib", change: map[string]string{"go.mod": "module example.com/t\n\ngo 1.26\n\nrequire (\n\tgithub.com/used/mod v1.1.0\n\tgithub.com/unused/mod v1.0.0\n)\n"}, wantChange: true},
		{name: "unused module version", target: "test", component: "lib", change: map[string]string{"go.mod": "module example.com/t\n\ngo 1.26\n\nrequire (\n\tgithub.com/used/mod v1.0.0\n\tgithub.com/unused/mod v1.2.0\n)\n"}},
		{name: "go directive", target: "test", component: "other", change: map[string]string{"go.mod": "module example.com/t\n\ngo 1.27\n\nrequire (\n\tgithub.com/used/mod v1.0.0\n\tgithub.com/unused/mod v1.0.0\n)\n"}, wantChange: true},
		{name: "dependency changes the dependent", target: "test", component: "app", change: map[string]string{"libs/lib/lib.go": "package lib // changed\n"}, wantChange: true},
		{name: "dependency's dependency env reaches the dependent", target: "test", component: "app", env: map[string]string{"LIB_FLAG": "1"}, envAfter: map[string]string{"LIB_FLAG": "2"}, wantChange: true},
		{name: "dependent does not change the dependency", target: "test", component: "lib", change: map[string]string{"libs/app/app.go": "package app // changed\n\nimport _ \"example.com/t/libs/lib\"\n"}},
		{name: "test-only dependency does not change lint", target: "lint", component: "other", setup: testHelper,
			change: map[string]string{"libs/lib/lib.go": "package lib // a comment in the test helper\n"}},
		{name: "test-only dependency changes test", target: "test", component: "other", setup: testHelper,
			change: map[string]string{"libs/lib/lib.go": "package lib // a comment in the test helper\n"}, wantChange: true},
		{name: "module of tests only does not change lint", target: "lint", component: "other", setup: testModule,
			change: map[string]string{"go.mod": "module example.com/t\n\ngo 1.26\n\nrequire (\n\tgithub.com/used/mod v1.0.0\n\tgithub.com/unused/mod v1.2.0\n)\n"}},
		{name: "module of tests only changes test", target: "test", component: "other", setup: testModule,
			change: map[string]string{"go.mod": "module example.com/t\n\ngo 1.26\n\nrequire (\n\tgithub.com/used/mod v1.0.0\n\tgithub.com/unused/mod v1.2.0\n)\n"}, wantChange: true},
		{name: "declared global input", target: "test", component: "other", setup: globalInput,
			change: map[string]string{"hack/gen.sh": "#!/bin/sh\nexit 0\n"}, wantChange: true},
		{name: "undeclared global input", target: "test", component: "other", setup: globalInput,
			change: map[string]string{"hack/other.sh": "#!/bin/sh\nexit 0\n"}},
		{name: "declared input glob", target: "test", component: "other", setup: otherInputs,
			change: map[string]string{"libs/other/src/a.go": "package src // changed\n"}, wantChange: true},
		{name: "file outside declared inputs", target: "test", component: "other", setup: otherInputs,
			change: map[string]string{"libs/other/notes.md": "changed\n"}},
		{name: "root input glob", target: "test", component: "other", setup: otherInputs,
			change: map[string]string{"shared/schema.json": "{\"v\": 2}\n"}, wantChange: true},
		{name: "root file outside the root input glob", target: "test", component: "other", setup: otherInputs,
			change: map[string]string{"shared/readme.txt": "changed\n"}},
		{name: "npm package the app resolves", target: "build", component: "shop", setup: lockFixture("5.0.0", "1.0.0"),
			change: lockFixture("5.1.0", "1.0.0"), wantChange: true},
		{name: "npm package of another workspace", target: "build", component: "shop", setup: lockFixture("5.0.0", "1.0.0"),
			change: lockFixture("5.0.0", "1.1.0")},
		{name: "node source", target: "build", component: "shop", change: map[string]string{"web/shop/src/main.ts": "export const x = 1\n"}, wantChange: true},
		{name: "node build output is no input", target: "build", component: "shop", change: map[string]string{"web/shop/dist/main.js": "x\n"}},
		{name: "node_modules is no input", target: "build", component: "shop", change: map[string]string{"web/shop/node_modules/x/index.js": "x\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, keyFixture)
			write(t, dir, tt.setup)
			before := keys(t, dir, tt.target, tt.env)[tt.component]
			if before == nil {
				t.Fatalf("%s has no %s task", tt.component, tt.target)
			}
			// Same inputs, same key.
			if again := keys(t, dir, tt.target, tt.env)[tt.component]; again.Key != before.Key {
				t.Fatalf("key not stable: %s then %s", before.Key, again.Key)
			}
			time.Sleep(10 * time.Millisecond) // a distinct mtime for rewritten files
			write(t, dir, tt.change)
			if tt.remove != "" {
				if err := os.Remove(filepath.Join(dir, tt.remove)); err != nil {
					t.Fatal(err)
				}
			}
			env := tt.env
			if tt.envAfter != nil {
				env = tt.envAfter
			}
			after := keys(t, dir, tt.target, env)[tt.component]
			if changed := after.Key != before.Key; changed != tt.wantChange {
				t.Errorf("key changed = %v, want %v; changes: %v", changed, tt.wantChange, Explain(before, after))
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	base := &Manifest{Component: "lib", Dir: "libs/lib", Target: "test", Command: "go test ./...",
		Env: map[string]string{"A": "x"}, Tools: map[string]string{"go": "go1.26"},
		Files: Files{"libs/lib/a.go": "1", "libs/lib/b.go": "2"}, Deps: map[string]string{"dep": "h1"}}
	tests := []struct {
		name   string
		prev   *Manifest
		modify func(m *Manifest)
		want   []string
	}{
		{name: "no previous run", want: []string{"no previous run"}},
		{name: "nothing changed", prev: base, modify: func(*Manifest) {}, want: []string{"inputs unchanged since the last run (its cache entry was evicted or not stored)"}},
		{name: "files", prev: base, modify: func(m *Manifest) {
			m.Files = Files{"libs/lib/a.go": "1b", "libs/lib/c.go": "3"}
		}, want: []string{"file modified: libs/lib/a.go", "file removed: libs/lib/b.go", "file added: libs/lib/c.go"}},
		{name: "env, tool, command, dependency", prev: base, modify: func(m *Manifest) {
			m.Env = map[string]string{"A": "y"}
			m.Tools = map[string]string{"go": "go1.27"}
			m.Command = "go test -race ./..."
			m.Deps = map[string]string{"dep": "h2"}
		}, want: []string{
			`command changed: "go test ./..." -> "go test -race ./..."`,
			"env var A changed",
			"tool go version changed: go1.26 -> go1.27",
			"dependency dep changed",
		}},
		{name: "modules", prev: base, modify: func(m *Manifest) {
			m.Modules = map[string]string{"npm:node_modules/vite": "5.1.0 abc", "golang.org/x/mod": "v0.43.0"}
		}, want: []string{
			"go module golang.org/x/mod changed: (none) -> v0.43.0",
			"npm package node_modules/vite changed: (none) -> 5.1.0 abc",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cur := *base
			if tt.modify != nil {
				tt.modify(&cur)
			}
			var got []string
			for _, c := range Explain(tt.prev, &cur) {
				got = append(got, c.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestManifestsRoundTrip(t *testing.T) {
	t.Parallel()
	s := NewManifests(t.TempDir())
	if m, err := s.Load("@scope/pkg", "build"); err != nil || m != nil {
		t.Fatalf("Load of nothing = %v, %v", m, err)
	}
	m := &Manifest{Component: "@scope/pkg", Target: "build", Command: "vite build", Files: Files{"web/a": "1"}}
	m.Key = m.Sum()
	if err := s.Save(m); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("@scope/pkg", "build")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
}

func TestFileHasherMemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{"a.txt": "hello", "b.txt": "racy"})
	memo := filepath.Join(dir, "memo")
	stat := func(rel string) os.FileInfo {
		info, err := os.Lstat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	h := NewFileHasher(dir, memo)
	h.start = time.Now().Add(time.Hour) // every file is old enough to persist
	d, err := h.Digest("a.txt", stat("a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; d != want {
		t.Errorf("digest = %s, want %s", d, want)
	}
	h.start = time.Now().Add(-time.Hour) // now b.txt counts as modified during the run
	if _, err := h.Digest("b.txt", stat("b.txt")); err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}

	h2 := NewFileHasher(dir, memo)
	if _, ok := h2.lookup("a.txt", stat("a.txt")); !ok {
		t.Error("a.txt not remembered across runs")
	}
	if _, ok := h2.lookup("b.txt", stat("b.txt")); ok {
		t.Error("a racy file was persisted")
	}
	write(t, dir, map[string]string{"a.txt": "changed"})
	if _, ok := h2.lookup("a.txt", stat("a.txt")); ok {
		t.Error("a modified file still hit the memo")
	}
	if d, _ := h2.Digest("a.txt", stat("a.txt")); strings.HasPrefix(d, "2cf24dba") {
		t.Error("digest of the modified file is the old one")
	}
}

func TestOutputDirs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		outputs []string
		want    []string
	}{
		{name: "folder glob", outputs: []string{"dist/**", "build/out/**"}, want: []string{"web/app/dist", "web/app/build/out"}},
		{name: "files only", outputs: []string{"dist/*.js", "report.txt"}},
		{name: "patterns in the folder", outputs: []string{"*/dist/**", "out{1,2}/**", "[ab]/**"}},
		{name: "not plain", outputs: []string{"./dist/**", "../x/**", "/abs/**", "**", "a//b/**"}},
		{name: "shared output folder", outputs: []string{OutDirToken + "bin/**"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, outputDirs("web/app", tt.outputs)); diff != "" {
				t.Errorf("outputDirs (-want +got):\n%s", diff)
			}
		})
	}
}
