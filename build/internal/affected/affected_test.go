package affected_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/workspace"
)

// compute commits change on top of the polyglot fixture and returns the
// affected names and unowned files for HEAD~1..HEAD.
func compute(t *testing.T, change map[string]string, head string) *affected.Result {
	t.Helper()
	return computeOn(t, fixture.Polyglot(), change, head)
}

// computeOn is compute on a repository of files.
func computeOn(t *testing.T, files, change map[string]string, head string) *affected.Result {
	t.Helper()
	dir := fixture.Repo(t, files)
	fixture.Write(t, dir, change)
	if head != "" {
		fixture.Commit(t, dir, "change")
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	base := "HEAD"
	if head != "" {
		base = "HEAD~1"
	}
	res, err := affected.Compute(context.Background(), ws, g, affected.Options{Base: base, Head: head})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAffected(t *testing.T) {
	t.Parallel()
	lock := fixture.Polyglot()["package-lock.json"]
	tests := []struct {
		name        string
		change      map[string]string
		wantNames   []string
		wantUnowned []string
	}{
		{"library change reaches all dependents",
			map[string]string{"libs/b/b.go": "package b\n// changed\n"},
			[]string{"a", "api", "b", "dags", "job"}, nil},
		{"nested package belongs to its component",
			map[string]string{"libs/a/sub/sub.go": "package sub\n// changed\n"},
			[]string{"a", "api"}, nil},
		{"service change is only the service",
			map[string]string{"services/api/main.go": "package main\n\nfunc main() {}\n"},
			[]string{"api"}, nil},
		{"go.mod bump reaches only importers of that module",
			map[string]string{"go.mod": strings.Replace(fixture.Polyglot()["go.mod"], "golang.org/x/mod v0.20.0", "golang.org/x/mod v0.21.0", 1)},
			[]string{"api"}, nil},
		{"go directive change reaches every Go component",
			map[string]string{"go.mod": strings.Replace(fixture.Polyglot()["go.mod"], "go 1.26", "go 1.27", 1)},
			[]string{"a", "api", "b", "dags", "job"}, nil},
		{"go.sum checksum change reaches only importers",
			map[string]string{"go.sum": "github.com/google/go-cmp v0.6.0 h1:new=\n"},
			[]string{"a", "api"}, nil},
		{"lockfile change of a resolved package reaches its workspace",
			map[string]string{"package-lock.json": strings.Replace(lock, `"version": "1.3.0", "integrity": "sha512-aaa"`, `"version": "1.3.1", "integrity": "sha512-bbb"`, 1)},
			[]string{"@shop/app"}, nil},
		{"lockfile change of an unused package reaches nobody",
			map[string]string{"package-lock.json": strings.Replace(lock, `"version": "3.0.1"`, `"version": "3.0.2"`, 1)},
			nil, nil},
		{"workspace dependency change reaches dependents",
			map[string]string{"web/ui/index.js": "export {}\n"},
			[]string{"@shop/app", "@shop/ui"}, nil},
		{"env config reaches that env's deployables only",
			map[string]string{"config/dev.yaml": "shared: {x: 1}\n"},
			[]string{"@shop/ui", "api", "dags", "job", "sales"}, nil},
		{"prod config includes prod-only deployables",
			map[string]string{"config/prod.yaml": "shared: {x: 1}\n"},
			[]string{"@shop/app", "@shop/ui", "api", "dags", "job", "sales"}, nil},
		{"base config reaches every deployable",
			map[string]string{"config/base.yaml": "shared: {x: 1}\n"},
			[]string{"@shop/app", "@shop/ui", "api", "dags", "job", "sales"}, nil},
		{"a component's own section reaches only that component",
			map[string]string{"config/dev.yaml": "shared: {}\napi: {port: 8080}\n"},
			[]string{"api"}, nil},
		{"a section of a component not deployed there reaches nobody",
			map[string]string{"config/dev.yaml": "shared: {}\n\"@shop/app\": {x: 1}\n"},
			nil, nil},
		{"comments and layout are no change",
			map[string]string{"config/dev.yaml": "# a comment\nshared:   {}\n"},
			nil, nil},
		{"a section no component owns reaches every deployable of the env",
			map[string]string{"config/dev.yaml": "shared: {}\nlegacy: {x: 1}\n"},
			[]string{"@shop/ui", "api", "dags", "job", "sales"}, nil},
		{"an unparsable config file reaches every deployable of the env",
			map[string]string{"config/dev.yaml": "shared: [\n"},
			[]string{"@shop/ui", "api", "dags", "job", "sales"}, nil},
		{"config and code change together still reach dependents",
			map[string]string{"config/dev.yaml": "shared: {x: 1}\n", "web/ui/index.js": "export {}\n"},
			[]string{"@shop/app", "@shop/ui", "api", "dags", "job", "sales"}, nil},
		{"terraform module reaches its stacks",
			map[string]string{"infrastructure/modules/network/examples/basic/main.tf": "# x\n"},
			[]string{"infra-dev", "infra-prod", "tfmod-network"}, nil},
		{"a shared file of the environment root reaches every environment's stack",
			map[string]string{"infrastructure/live/main.tf": "module \"network\" {\n  source = \"../modules/network\"\n  # x\n}\n"},
			[]string{"infra-dev", "infra-prod"}, nil},
		{"an environment's variable file reaches that environment's stack only",
			map[string]string{"infrastructure/live/prod.tfvars": "environment = \"prod\"\nx = 1\n"},
			[]string{"infra-prod"}, nil},
		{"an environment's backend file reaches that environment's stack only",
			map[string]string{"infrastructure/live/dev.backend.hcl": "bucket = \"b\"\n"},
			[]string{"infra-dev"}, nil},
		{"manifest change affects its component",
			map[string]string{"dags/component.yaml": "depends: [job]\nowners: [data, platform]\n"},
			[]string{"dags"}, nil},
		{"unowned files are listed apart; a global input is not unowned",
			map[string]string{"Makefile": "all: x\n", "docs/x.md": "x\n", "config/README.md": "x\n"},
			nil, []string{"config/README.md", "docs/x.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := compute(t, tt.change, "HEAD")
			if diff := cmp.Diff(tt.wantNames, res.Names(""), cmpNilEmpty); diff != "" {
				t.Errorf("affected (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnowned, res.Unowned, cmpNilEmpty); diff != "" {
				t.Errorf("unowned (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpNilEmpty = cmp.Transformer("nilEmpty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func TestAffectedExplainPath(t *testing.T) {
	t.Parallel()
	res := compute(t, map[string]string{"libs/b/b.go": "package b\n// changed\n"}, "HEAD")
	got := map[string]string{}
	for _, it := range res.Affected {
		got[it.Name] = it.Reason.Explain()
	}
	want := map[string]string{
		"b":    "libs/b/b.go changed",
		"a":    "libs/b/b.go changed via b -> a",
		"api":  "libs/b/b.go changed via b -> a -> api",
		"job":  "libs/b/b.go changed via b -> job",
		"dags": "libs/b/b.go changed via b -> job -> dags",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("explain (-want +got):\n%s", diff)
	}
	gomod := compute(t, map[string]string{"go.mod": strings.Replace(fixture.Polyglot()["go.mod"], "v0.20.0", "v0.21.0", 1)}, "HEAD")
	if e := gomod.Affected[0].Reason.Explain(); e != "go.mod changed (go.mod: golang.org/x/mod v0.20.0 -> v0.21.0)" {
		t.Errorf("go.mod explain = %q", e)
	}
}

func TestAffectedWorkTreeIncludesUntracked(t *testing.T) {
	t.Parallel()
	res := compute(t, map[string]string{"scripts/job/new.go": "package main\n"}, "")
	if diff := cmp.Diff([]string{"dags", "job"}, res.Names("")); diff != "" {
		t.Errorf("affected (-want +got):\n%s", diff)
	}
}

func TestAffectedBadInput(t *testing.T) {
	t.Parallel()
	dir := fixture.Repo(t, fixture.Polyglot())
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := affected.Compute(ctx, ws, g, affected.Options{Base: "no-such-branch"}); !errors.Is(err, gitx.ErrBadRef) || !strings.Contains(err.Error(), `"no-such-branch"`) {
		t.Errorf("bad base: %v", err)
	}
	if _, err := affected.Compute(ctx, ws, g, affected.Options{Base: "HEAD", Head: "--output=x"}); !errors.Is(err, gitx.ErrBadRef) {
		t.Errorf("option-like head: %v", err)
	}
	if _, err := affected.Compute(ctx, ws, g, affected.Options{}); err == nil {
		t.Error("missing base: no error")
	}
	notRepo := t.TempDir()
	fixture.Write(t, notRepo, map[string]string{"mono.yaml": ""})
	ws2, err := workspace.Load(notRepo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := affected.Compute(ctx, ws2, g, affected.Options{Base: "HEAD"}); !errors.Is(err, gitx.ErrNotRepo) {
		t.Errorf("not a repo: %v", err)
	}
}

// TestAffectedThroughTestOnlyEdge: job imports libs/a only in a test file,
// so a change of a reaches job's test target and stops there (dags, which
// depends on job, is not reached).
func TestAffectedThroughTestOnlyEdge(t *testing.T) {
	t.Parallel()
	files := fixture.Polyglot()
	files["scripts/job/job_test.go"] = "package main\n\nimport (\n\t_ \"example.com/shop/libs/a\"\n\t_ \"golang.org/x/mod/modfile\"\n)\n"
	res := computeOn(t, files, map[string]string{"libs/a/a.go": files["libs/a/a.go"] + "// changed\n"}, "HEAD")
	for target, want := range map[string][]string{
		"":     {"a", "api", "job"},
		"test": {"a", "api", "job"},
		"lint": {"a", "api"},
	} {
		if diff := cmp.Diff(want, res.Names(target)); diff != "" {
			t.Errorf("Names(%q) (-want +got):\n%s", target, diff)
		}
	}
	for _, it := range res.Affected {
		if it.TestOnly != (it.Name == "job") {
			t.Errorf("%s: TestOnly = %v", it.Name, it.TestOnly)
		}
	}

	// A module job's tests alone import: a bump reaches job's test target
	// and stops there (api imports it in its code).
	gomod := computeOn(t, files, map[string]string{"go.mod": strings.Replace(files["go.mod"], "golang.org/x/mod v0.20.0", "golang.org/x/mod v0.21.0", 1)}, "HEAD")
	got := map[string][]string{}
	for _, it := range gomod.Affected {
		got[it.Name] = it.Targets
	}
	if diff := cmp.Diff(map[string][]string{"api": nil, "job": {"test"}}, got); diff != "" {
		t.Errorf("go.mod bump of a test-only module (-want +got):\n%s", diff)
	}
}

// TestAffectedGlobalInput: job's lint declares the Makefile and hack/**;
// a change to them affects job's lint alone, not dags (which depends on
// job), and is no unowned file; a global input nobody declares affects
// nothing.
func TestAffectedGlobalInput(t *testing.T) {
	t.Parallel()
	files := fixture.Polyglot()
	files["scripts/job/component.yaml"] = "tasks:\n  lint:\n    command: go vet ./...\n    globalInputs: [Makefile, hack/lint.sh]\n  test:\n    command: go test ./...\n    globalInputs: [Makefile]\n"
	files["hack/lint.sh"] = "#!/bin/sh\n"
	files["hack/other.sh"] = "#!/bin/sh\n"
	tests := []struct {
		name        string
		change      map[string]string
		want        map[string][]string // name -> targets
		wantUnowned []string
	}{
		{"declared by two targets", map[string]string{"Makefile": "all: lint\n"}, map[string][]string{"job": {"lint", "test"}}, nil},
		{"declared by one target", map[string]string{"hack/lint.sh": "#!/bin/sh\nexit 0\n"}, map[string][]string{"job": {"lint"}}, nil},
		{"declared by nobody", map[string]string{"hack/other.sh": "#!/bin/sh\nexit 0\n"}, map[string][]string{}, nil},
		{"owner beats global", map[string]string{"Makefile": "all: lint\n", "scripts/job/main.go": files["scripts/job/main.go"] + "// changed\n"},
			map[string][]string{"job": nil, "dags": nil}, nil},
		{"not a global input", map[string]string{"NOTES.md": "x\n"}, map[string][]string{}, []string{"NOTES.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := computeOn(t, files, tt.change, "HEAD")
			got := map[string][]string{}
			for _, it := range res.Affected {
				got[it.Name] = it.Targets
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("affected targets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnowned, res.Unowned, cmpNilEmpty); diff != "" {
				t.Errorf("unowned (-want +got):\n%s", diff)
			}
			if _, ok := got["job"]; ok && len(got["job"]) > 0 {
				if e := res.Affected[0].Reason.Explain(); !strings.Contains(e, "changed (global-input: lint") {
					t.Errorf("explain = %q", e)
				}
			}
		})
	}
}
