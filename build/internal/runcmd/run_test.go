package runcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/runcmd"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// component returns a component.yaml with one build task. Components are
// helm charts so that no built-in task applies.
func component(name, command string, depends ...string) string {
	var b strings.Builder
	b.WriteString("name: " + name + "\nkind: helm-chart\n")
	if len(depends) > 0 {
		b.WriteString("depends: [" + strings.Join(depends, ", ") + "]\n")
	}
	b.WriteString("tasks:\n  build:\n    command: '" + strings.ReplaceAll(command, "'", "''") + "'\n    outputs: [out/**]\n")
	return b.String()
}

func workspace(t *testing.T, comps map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, map[string]string{"mono.yaml": "project: t\nenvironments: [local]\ncache:\n  dir: .mono/cache\n  maxSizeMB: 64\n"})
	for name, manifest := range comps {
		write(t, dir, map[string]string{"comps/" + name + "/component.yaml": manifest, "comps/" + name + "/src.txt": "1\n"})
	}
	return dir
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs `mono run args...` in-process through the cobra command.
func run(t *testing.T, ctx context.Context, dir string, args ...string) result {
	t.Helper()
	return runEnv(t, ctx, dir, os.Environ(), args...)
}

// runEnv is run with environ as the process environment.
func runEnv(t *testing.T, ctx context.Context, dir string, environ []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}, Dir: dir, Environ: environ}
	cmd := runcmd.NewCommand(deps)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(&errb, "mono: %v\n", err)
	}
	return result{code: cli.CodeOf(err), stdout: out.String(), stderr: errb.String()}
}

func statuses(t *testing.T, stdout string) map[string]string {
	t.Helper()
	var s runcmd.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("summary is no JSON: %v\n%s", err, stdout)
	}
	out := map[string]string{}
	for _, task := range s.Tasks {
		out[task.Component] = task.Status + "/" + task.Cache
	}
	return out
}

const stamp = `mkdir -p "$MONO_ROOT/t"; date +%s%N > "$MONO_ROOT/t/$MONO_COMPONENT.start"; sleep 0.3; date +%s%N > "$MONO_ROOT/t/$MONO_COMPONENT.end"`

type span struct {
	name       string
	start, end int64
}

func spans(t *testing.T, dir string, names ...string) map[string]span {
	t.Helper()
	read := func(f string) int64 {
		b, err := os.ReadFile(filepath.Join(dir, "t", f))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	out := map[string]span{}
	for _, n := range names {
		out[n] = span{n, read(n + ".start"), read(n + ".end")}
	}
	return out
}

func TestOrderAndParallelism(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parallel    string
		wantOverlap bool
	}{
		{parallel: "1", wantOverlap: false},
		{parallel: "3", wantOverlap: true},
	}
	for _, tt := range tests {
		t.Run("parallel "+tt.parallel, func(t *testing.T) {
			t.Parallel()
			dir := workspace(t, map[string]string{
				"base": component("base", stamp),
				"mid":  component("mid", stamp, "base"),
				"top":  component("top", stamp, "mid"),
				"x":    component("x", stamp),
				"y":    component("y", stamp),
			})
			r := run(t, context.Background(), dir, "build", "--parallel", tt.parallel)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			s := spans(t, dir, "base", "mid", "top", "x", "y")
			for _, edge := range [][2]string{{"base", "mid"}, {"mid", "top"}} {
				if dep, user := s[edge[0]], s[edge[1]]; dep.end > user.start {
					t.Errorf("%s started before its dependency %s ended", user.name, dep.name)
				}
			}
			all := []span{s["base"], s["mid"], s["top"], s["x"], s["y"]}
			sort.Slice(all, func(i, j int) bool { return all[i].start < all[j].start })
			overlap := false
			for i := 1; i < len(all); i++ {
				if all[i].start < all[i-1].end {
					overlap = true
				}
			}
			if overlap != tt.wantOverlap {
				t.Errorf("tasks overlapped = %v, want %v: %+v", overlap, tt.wantOverlap, all)
			}
			if !strings.Contains(r.stdout, "[5/5] ok") {
				t.Errorf("no plain progress line in:\n%s", r.stdout)
			}
		})
	}
}

func TestCacheHitRestoresOutputsAndReplaysLog(t *testing.T) {
	t.Parallel()
	gen := `echo run >> "$MONO_ROOT/runs"; mkdir -p out/sub; echo "built-$(cat src.txt)" > out/sub/result.txt; echo "hello from $MONO_COMPONENT"`
	dir := workspace(t, map[string]string{"gen": component("gen", gen)})
	result := filepath.Join(dir, "comps/gen/out/sub/result.txt")
	runs := func() int {
		b, _ := os.ReadFile(filepath.Join(dir, "runs"))
		return strings.Count(string(b), "run\n")
	}
	ctx := context.Background()

	r := run(t, ctx, dir, "build")
	if r.code != 0 || !strings.Contains(r.stdout, "ok      gen:build") {
		t.Fatalf("first run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	if err := os.Remove(result); err != nil {
		t.Fatal(err)
	}
	r = run(t, ctx, dir, "build", "--verbose")
	if r.code != 0 || !strings.Contains(r.stdout, "cached  gen:build") {
		t.Fatalf("second run not cached: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "gen:build | hello from gen") {
		t.Errorf("log not replayed:\n%s", r.stdout)
	}
	if b, err := os.ReadFile(result); err != nil || string(b) != "built-1\n" {
		t.Errorf("output not restored: %q, %v", b, err)
	}

	// A damaged output is restored too; the log is not shown without -v.
	write(t, dir, map[string]string{"comps/gen/out/sub/result.txt": "garbage"})
	r = run(t, ctx, dir, "build")
	if b, _ := os.ReadFile(result); string(b) != "built-1\n" || strings.Contains(r.stdout, "hello from gen") {
		t.Errorf("third run: result %q, stdout:\n%s", b, r.stdout)
	}
	if runs() != 1 {
		t.Errorf("the command ran %d times, want 1", runs())
	}

	write(t, dir, map[string]string{"comps/gen/src.txt": "2\n"})
	r = run(t, ctx, dir, "build", "--explain")
	if !strings.Contains(r.stdout, "ok      gen:build") || !strings.Contains(r.stdout, "miss: file modified: comps/gen/src.txt") {
		t.Errorf("changed input: stdout:\n%s", r.stdout)
	}
	if b, _ := os.ReadFile(result); string(b) != "built-2\n" || runs() != 2 {
		t.Errorf("after change: result %q, runs %d", b, runs())
	}
}

func TestExplainDryRun(t *testing.T) {
	t.Parallel()
	dir := workspace(t, map[string]string{
		"lib": component("lib", "echo lib"),
		"app": component("app", "echo app", "lib"),
	})
	ctx := context.Background()
	r := run(t, ctx, dir, "build", "--dry-run", "--explain")
	if r.code != 0 || !strings.Contains(r.stdout, "no previous run") {
		t.Fatalf("dry run before any run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".mono/cache/entries")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(dir, ".mono/cache/entries"))
		if len(entries) > 0 {
			t.Errorf("a dry run stored entries")
		}
	}
	if r := run(t, ctx, dir, "build"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	write(t, dir, map[string]string{"comps/lib/new.txt": "x"})
	r = run(t, ctx, dir, "build", "--dry-run", "--explain", "--json")
	var s runcmd.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, task := range s.Tasks {
		for _, c := range task.Changes {
			got[task.Component] = append(got[task.Component], c.String())
		}
	}
	want := map[string][]string{"lib": {"file added: comps/lib/new.txt"}, "app": {"dependency lib changed"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("explanations (-want +got):\n%s", diff)
	}
}

func TestFailure(t *testing.T) {
	t.Parallel()
	comps := map[string]string{
		"bad":   component("bad", "echo boom >&2; exit 3"),
		"above": component("above", "echo above", "bad"),
		"free":  component("free", "sleep 0.2; echo free"),
	}
	tests := []struct {
		name string
		args []string
		want map[string]string
	}{
		{name: "continue runs independent tasks", args: []string{"--continue"},
			want: map[string]string{"bad": "failed/miss", "above": "skipped/-", "free": "ok/miss"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := workspace(t, comps)
			r := run(t, context.Background(), dir, append([]string{"build", "--json"}, tt.args...)...)
			if r.code != cli.ExitFailed {
				t.Errorf("exit %d, want %d", r.code, cli.ExitFailed)
			}
			if diff := cmp.Diff(tt.want, statuses(t, r.stdout)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if !strings.Contains(r.stdout, `"log": "boom\n"`) {
				t.Errorf("failed log not in the summary:\n%s", r.stdout)
			}
		})
	}
	t.Run("plain output", func(t *testing.T) {
		t.Parallel()
		dir := workspace(t, comps)
		r := run(t, context.Background(), dir, "build", "--parallel", "1")
		if r.code != cli.ExitFailed {
			t.Errorf("exit %d, want %d", r.code, cli.ExitFailed)
		}
		for _, want := range []string{
			"failed  bad:build",
			"skipped above:build  (dependency bad:build failed)",
			"==> bad:build failed (exit status 3), log:\nboom\n",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		if !strings.Contains(r.stderr, "1 of 3 tasks failed: bad:build") {
			t.Errorf("stderr: %s", r.stderr)
		}
		// A failure is not cached: the next run runs it again.
		r = run(t, context.Background(), dir, "build", "bad", "--json")
		if diff := cmp.Diff(map[string]string{"bad": "failed/miss"}, statuses(t, r.stdout)); diff != "" {
			t.Errorf("second run (-want +got):\n%s", diff)
		}
	})
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := workspace(t, map[string]string{"orders": component("orders", "true")})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown target", args: []string{"biuld"}, want: `unknown target "biuld": no component has it (did you mean "build"?); known targets: build`},
		{name: "unknown component", args: []string{"build", "ordres"}, want: `unknown component "ordres" (did you mean "orders"?)`},
		{name: "no target", args: nil, want: "mono run needs a TARGET"},
		{name: "affected needs base", args: []string{"build", "--affected"}, want: "--affected needs --base"},
		{name: "all and names", args: []string{"build", "orders", "--all"}, want: "name components or give --all, not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, context.Background(), dir, tt.args...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, cli.ExitUsage, tt.want)
			}
		})
	}
}

func TestInterruptKillsTasks(t *testing.T) {
	t.Parallel()
	dir := workspace(t, map[string]string{"slow": component("slow", `sleep 30 & echo $! > "$MONO_ROOT/pid"; wait`)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result)
	go func() { done <- run(t, ctx, dir, "build") }()
	pidFile := filepath.Join(dir, "pid")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(pidFile); err == nil && len(b) > 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the task never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	if r.code == 0 || !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("exit %d, stderr %q; want non-zero and interrupted", r.code, r.stderr)
	}
	b, _ := os.ReadFile(pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// The grandchild got the signal with its process group: it is gone or
	// a zombie waiting for its new parent.
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("process %d of the cancelled task still runs", pid)
}

func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestAffectedAndWithDeps(t *testing.T) {
	t.Parallel()
	dir := workspace(t, map[string]string{
		"lib":   component("lib", "echo lib"),
		"app":   component("app", "echo app", "lib"),
		"other": component("other", "echo other"),
	})
	write(t, dir, map[string]string{".gitignore": ".mono/\n"})
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "init")
	write(t, dir, map[string]string{"comps/lib/src.txt": "2\n"})

	tests := []struct {
		name string
		args []string
		want map[string]string
	}{
		{name: "affected", args: []string{"--affected", "--base", "HEAD"},
			want: map[string]string{"lib": "planned/miss", "app": "planned/miss"}},
		{name: "affected and named", args: []string{"app", "other", "--affected", "--base", "HEAD"},
			want: map[string]string{"app": "planned/miss"}},
		{name: "with deps", args: []string{"app", "--with-deps"},
			want: map[string]string{"lib": "planned/miss", "app": "planned/miss"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, context.Background(), dir, append([]string{"build", "--dry-run", "--json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if diff := cmp.Diff(tt.want, statuses(t, r.stdout)); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("bad ref", func(t *testing.T) {
		t.Parallel()
		r := run(t, context.Background(), dir, "build", "--affected", "--base", "nosuchref")
		if r.code != cli.ExitGit {
			t.Errorf("exit %d, want %d\n%s", r.code, cli.ExitGit, r.stderr)
		}
	})
}

func TestNPMWorkspaceNotInstalled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  string // the task's reason
	}{
		{name: "lockfile", files: map[string]string{"package-lock.json": `{"lockfileVersion": 3, "packages": {"": {}, "web/app": {"name": "@t/app"}, "node_modules/@t/app": {"resolved": "web/app", "link": true}}}`},
			want: "exit status 127: the npm workspace is not installed (no node_modules): run npm ci at the repository root"},
		{name: "no lockfile",
			want: "exit status 127: the npm workspace is not installed (no node_modules): run npm install at the repository root"},
		{name: "installed, the program is missing", files: map[string]string{"node_modules/.bin/other": ""},
			want: "exit status 127"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, map[string]string{
				"mono.yaml":            "project: t\nenvironments: [local]\n",
				"package.json":         `{"private": true, "workspaces": ["web/*"]}`,
				"web/app/package.json": `{"name": "@t/app", "scripts": {"lint": "no-such-tsc --noEmit"}}`,
			})
			write(t, dir, tt.files)
			r := run(t, context.Background(), dir, "lint", "--json")
			if r.code != cli.ExitFailed {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
			}
			var s runcmd.Summary
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				t.Fatalf("%v\n%s", err, r.stderr)
			}
			if len(s.Tasks) != 1 || s.Tasks[0].Reason != tt.want {
				t.Errorf("tasks %+v, want one with reason %q", s.Tasks, tt.want)
			}
		})
	}
}

func TestCurrentFolderIsDefault(t *testing.T) {
	t.Parallel()
	dir := workspace(t, map[string]string{
		"lib": component("lib", "echo lib"),
		"app": component("app", "echo app", "lib"),
	})
	write(t, dir, map[string]string{
		".gitignore":              ".mono/\n",
		"comps/app/sub/deep.txt":  "x\n",
		"docs/readme.md":          "no component here\n",
		"comps/app/nested/x.yaml": "x: 1\n",
	})
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "init")
	write(t, dir, map[string]string{"comps/lib/src.txt": "2\n", "comps/app/src.txt": "2\n"})
	both := map[string]string{"lib": "planned/miss", "app": "planned/miss"}
	tests := []struct {
		name    string
		dir     string // where mono starts, under the root
		args    []string
		want    map[string]string
		wantErr string // on stderr
	}{
		{name: "root runs all", dir: ".", want: both},
		{name: "folder of no component runs all", dir: "docs", want: both},
		{name: "component folder", dir: "comps/app", want: map[string]string{"app": "planned/miss"}, wantErr: "mono run: app only (the folder comps/app; --all for every component)"},
		{name: "subfolder of a component", dir: "comps/app/sub", want: map[string]string{"app": "planned/miss"}},
		{name: "with deps from a component", dir: "comps/app", args: []string{"--with-deps"}, want: both},
		{name: "all from a component", dir: "comps/app", args: []string{"--all"}, want: both},
		{name: "named wins over the folder", dir: "comps/app", args: []string{"lib"}, want: map[string]string{"lib": "planned/miss"}},
		{name: "affected within the folder's component", dir: "comps/lib", args: []string{"--affected", "--base", "HEAD"}, want: map[string]string{"lib": "planned/miss"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, context.Background(), filepath.Join(dir, filepath.FromSlash(tt.dir)), append([]string{"build", "--dry-run", "--json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if diff := cmp.Diff(tt.want, statuses(t, r.stdout)); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
			if !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, r.stderr)
			}
		})
	}
}

func TestNodeScripts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"mono.yaml":                         "project: t\nenvironments: [local]\n",
		"package.json":                      `{"private": true, "workspaces": ["web/*"]}`,
		"web/lib/package.json":              `{"name": "@t/lib", "scripts": {"build": "mkdir -p dist && roottool lib > dist/lib.txt"}}`,
		"web/app/package.json":              `{"name": "@t/app", "dependencies": {"@t/lib": "*"}, "scripts": {"build": "mkdir -p dist && pkgtool && cat ../lib/dist/lib.txt > dist/app.txt", "prebuild": "echo pre"}}`,
		"web/app/src/index.js":              "export {}\n",
		"node_modules/.bin/roottool":        "#!/bin/sh\necho \"root tool for $1\"\n",
		"web/app/node_modules/.bin/pkgtool": "#!/bin/sh\necho package tool\n",
	})
	for _, f := range []string{"node_modules/.bin/roottool", "web/app/node_modules/.bin/pkgtool"} {
		if err := os.Chmod(filepath.Join(dir, f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	r := run(t, ctx, dir, "build", "--json", "--verbose")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if diff := cmp.Diff(map[string]string{"@t/lib": "ok/miss", "@t/app": "ok/miss"}, statuses(t, r.stdout)); diff != "" {
		t.Errorf("first run (-want +got):\n%s", diff)
	}
	var s runcmd.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if got := s.Tasks[1].Log; got != "pre\npackage tool\n" {
		t.Errorf("app log = %q, want the pre script's and the package tool's output", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "web/app/dist/app.txt")); string(b) != "root tool for lib\n" {
		t.Errorf("app built from the lib's output: %q", b)
	}

	if err := os.RemoveAll(filepath.Join(dir, "web/app/dist")); err != nil {
		t.Fatal(err)
	}
	r = run(t, ctx, dir, "build", "--json")
	if diff := cmp.Diff(map[string]string{"@t/lib": "cached/hit", "@t/app": "cached/hit"}, statuses(t, r.stdout)); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "web/app/dist/app.txt")); string(b) != "root tool for lib\n" {
		t.Errorf("dist not restored: %q", b)
	}

	// A change in the library misses the app's cache too.
	write(t, dir, map[string]string{"web/lib/index.js": "export const x = 1\n"})
	r = run(t, ctx, dir, "build", "--json")
	if diff := cmp.Diff(map[string]string{"@t/lib": "ok/miss", "@t/app": "ok/miss"}, statuses(t, r.stdout)); diff != "" {
		t.Errorf("after a library change (-want +got):\n%s", diff)
	}
}

func TestGoDefaults(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"mono.yaml":            "project: t\nenvironments: [local]\n",
		"go.mod":               "module example.com/t\n\ngo 1.26\n",
		"libs/money/money.go":  "package money\n\n// Cents is an amount.\ntype Cents int64\n",
		"services/api/main.go": "package main\n\nimport \"example.com/t/libs/money\"\n\nfunc main() { println(money.Cents(1)) }\n",
	})
	ctx := context.Background()
	r := run(t, ctx, dir, "build", "--json")
	if diff := cmp.Diff(map[string]string{"money": "ok/miss", "api": "ok/miss"}, statuses(t, r.stdout)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s\n%s", diff, r.stdout)
	}
	bin := filepath.Join(dir, ".mono/out/api")
	if err := os.Remove(bin); err != nil {
		t.Fatalf("the service binary was not built into MONO_OUT: %v", err)
	}
	r = run(t, ctx, dir, "build", "--json")
	if diff := cmp.Diff(map[string]string{"money": "cached/hit", "api": "cached/hit"}, statuses(t, r.stdout)); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
	if info, err := os.Stat(bin); err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Errorf("binary not restored executable: %v, %v", info, err)
	}
}

// TestStrictEnvironment: a task sees the base set and what it declares,
// declared values are part of the key, undeclared ones are not, and no
// value is ever printed (--explain names the variable only).
func TestStrictEnvironment(t *testing.T) {
	t.Parallel()
	dir := workspace(t, map[string]string{
		"show":   "name: show\nkind: helm-chart\ntasks:\n  build:\n    command: 'echo \"d=[$DECLARED] u=[$UNDECLARED] p=[$PFX_A] home=[${HOME:+set}]\"'\n    env: [DECLARED, PFX_*]\n",
		"secret": "name: secret\nkind: helm-chart\ntasks:\n  build:\n    command: 'test -n \"$API_TOKEN\" && echo token-present'\n    env: [API_TOKEN]\n",
	})
	const secret1, secret2 = "s3cr3t-Planted-Value-1", "s3cr3t-Planted-Value-2"
	base := append([]string(nil), os.Environ()...)
	environ := func(kv ...string) []string { return append(append([]string(nil), base...), kv...) }
	ctx := context.Background()
	var all strings.Builder
	do := func(env []string, args ...string) result {
		t.Helper()
		r := runEnv(t, ctx, dir, env, append([]string{"build"}, args...)...)
		all.WriteString(r.stdout + r.stderr)
		if r.code != 0 {
			t.Fatalf("run %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		return r
	}
	first := environ("DECLARED=one", "UNDECLARED=nope", "PFX_A=pa", "API_TOKEN="+secret1)
	r := do(first, "--verbose")
	for _, want := range []string{"d=[one] u=[] p=[pa] home=[set]", "token-present"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("task output lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}

	// An undeclared variable changes nothing.
	r = do(environ("DECLARED=one", "UNDECLARED=changed", "PFX_A=pa", "API_TOKEN="+secret1), "--json")
	if diff := cmp.Diff(map[string]string{"show": "cached/hit", "secret": "cached/hit"}, statuses(t, r.stdout)); diff != "" {
		t.Errorf("undeclared variable changed (-want +got):\n%s", diff)
	}

	// A declared one misses, and --explain names it without its value.
	next := environ("DECLARED=one", "PFX_A=pa", "PFX_B=new", "API_TOKEN="+secret2)
	r = do(next, "--dry-run", "--explain")
	for _, want := range []string{"env var API_TOKEN changed", "env var PFX_B changed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run --explain lacks %q:\n%s", want, r.stdout)
		}
	}
	r = do(next, "--explain", "--json", "--verbose")
	if diff := cmp.Diff(map[string]string{"show": "ok/miss", "secret": "ok/miss"}, statuses(t, r.stdout)); diff != "" {
		t.Errorf("declared variable changed (-want +got):\n%s", diff)
	}
	do(next, "--explain", "--verbose")

	// No output and no file of the cache holds a value.
	for _, s := range []string{secret1, secret2} {
		if strings.Contains(all.String(), s) {
			t.Errorf("output shows the value %q:\n%s", s, all.String())
		}
	}
	err := filepath.WalkDir(filepath.Join(dir, ".mono"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		for _, s := range []string{secret1, secret2} {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds the value %q", p, s)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
