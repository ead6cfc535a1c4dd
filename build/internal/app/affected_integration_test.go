package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/fixture"
)

// affectedJSON is the part of `mono affected --json` these tests read.
type affectedJSON struct {
	Base     string `json:"base"`
	Head     string `json:"head"`
	BaseUsed struct {
		Ref       string `json:"ref"`
		Commit    string `json:"commit"`
		Short     string `json:"short"`
		Tip       string `json:"tip"`
		MergeBase bool   `json:"mergeBase"`
	} `json:"baseUsed"`
	Affected []struct {
		Name string `json:"name"`
	} `json:"affected"`
}

func (a affectedJSON) names() []string {
	var out []string
	for _, it := range a.Affected {
		out = append(out, it.Name)
	}
	return out
}

func affectedRun(t *testing.T, dir string, args ...string) affectedJSON {
	t.Helper()
	code, out, errOut := run(t, dir, append([]string{"affected", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("mono affected %v: exit %d\n%s", args, code, errOut)
	}
	var res affectedJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("mono affected %v: %v\n%s", args, err, out)
	}
	return res
}

// branchCutBack builds the history of the acceptance test: a branch
// "feature" cut n commits back from main, where main's later commits change
// scripts/job (job, and dags through it) and the branch changes web/ui
// (@shop/ui and @shop/app). The work tree is left on the branch.
func branchCutBack(t *testing.T, n int) string {
	t.Helper()
	dir := fixture.Repo(t, fixture.Polyglot())
	fixture.Git(t, dir, "branch", "feature")
	for i := range n {
		fixture.Write(t, dir, map[string]string{"scripts/job/main.go": "package main\n\nfunc main() {}\n" + strings.Repeat("// main moves on\n", i+1)})
		fixture.Commit(t, dir, "main changes job")
	}
	fixture.Git(t, dir, "checkout", "-q", "feature")
	fixture.Write(t, dir, map[string]string{"web/ui/index.js": "export {}\n"})
	fixture.Commit(t, dir, "feature changes ui")
	return dir
}

// TestIntegrationAffectedMergeBase is the acceptance test of issue 12: on a
// branch cut three commits back, `mono affected --base main --json` equals
// the set computed from `git merge-base main HEAD`, without main's own
// later changes.
func TestIntegrationAffectedMergeBase(t *testing.T) {
	if testing.Short() {
		t.Skip("shells out to git")
	}
	t.Parallel()
	dir := branchCutBack(t, 3)
	mergeBase := fixture.Git(t, dir, "merge-base", "main", "HEAD")
	mainTip := fixture.Git(t, dir, "rev-parse", "main")
	want := []string{"@shop/app", "@shop/ui"}

	fromMergeBase := affectedRun(t, dir, "--base", mergeBase)
	if diff := cmp.Diff(want, fromMergeBase.names()); diff != "" {
		t.Fatalf("affected from git merge-base (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"work tree", []string{"--base", "main"}},
		{"head", []string{"--base", "main", "--head", "HEAD"}},
		{"three dots", []string{"--base", "main...feature"}},
		{"three dots, head omitted", []string{"--base", "main..."}},
	} {
		t.Run(tt.name, func(t *testing.T) { // not parallel: the checkout below moves HEAD
			res := affectedRun(t, dir, tt.args...)
			if diff := cmp.Diff(fromMergeBase.names(), res.names()); diff != "" {
				t.Errorf("affected (-merge-base +got):\n%s", diff)
			}
			u := res.BaseUsed
			if u.Ref != tt.args[1] || u.Commit != mergeBase || !strings.HasPrefix(mergeBase, u.Short) || u.Tip != mainTip || !u.MergeBase {
				t.Errorf("baseUsed = %+v, want ref %s, commit %s, tip %s, mergeBase true", u, tt.args[1], mergeBase, mainTip)
			}
		})
	}

	// mono run --affected resolves the base the same way.
	code, out, errOut := run(t, dir, "run", "build", "--affected", "--base", "main", "--dry-run", "--json")
	var report struct {
		Tasks []struct {
			Component string `json:"component"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(out), &report); code != 0 || err != nil {
		t.Fatalf("run --affected: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	if len(report.Tasks) == 0 {
		t.Errorf("run build --affected --base main selected nothing; want %v", want)
	}
	for _, task := range report.Tasks {
		if !slices.Contains(want, task.Component) {
			t.Errorf("run build --affected --base main selected %s; want only %v", task.Component, want)
		}
	}

	// From main, "main...feature" is the branch's change too.
	fixture.Git(t, dir, "checkout", "-q", "main")
	res := affectedRun(t, dir, "--base", "main...feature")
	if diff := cmp.Diff(want, res.names()); diff != "" || res.Head != "feature" {
		t.Errorf("main...feature from main: head %q, affected (-want +got):\n%s", res.Head, diff)
	}
	// The base at its tip is no merge-base.
	res = affectedRun(t, dir, "--base", "HEAD~1", "--head", "HEAD")
	if res.BaseUsed.MergeBase || res.BaseUsed.Commit != fixture.Git(t, dir, "rev-parse", "HEAD~1") {
		t.Errorf("HEAD~1..HEAD: baseUsed = %+v", res.BaseUsed)
	}
}

func TestIntegrationAffectedBaseExplainAndErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("shells out to git")
	}
	t.Parallel()
	dir := branchCutBack(t, 3)
	short := fixture.Git(t, dir, "merge-base", "main", "HEAD")[:12]
	fixture.Git(t, dir, "checkout", "-q", "--orphan", "unrelated")
	fixture.Commit(t, dir, "no shared history")
	fixture.Git(t, dir, "checkout", "-q", "feature")
	fixture.Git(t, dir, "remote", "add", "origin", "https://example.com/shop.git")

	runTests(t, dir, []cmdTest{
		{"explain names the merge-base", []string{"affected", "--base", "main", "--explain"}, 0,
			[]string{"base: " + short + ", merge-base with the head (main is at ", "@shop/ui"}, nil},
		{"explain at the tip", []string{"affected", "--base", "HEAD~1", "--explain"}, 0,
			[]string{"base: HEAD~1 ("}, nil},
		{"unknown branch says how to fetch it", []string{"affected", "--base", "trunk"}, 4, nil,
			[]string{`bad git revision "trunk"`, "git fetch origin trunk:trunk"}},
		{"unknown remote branch says how to fetch it", []string{"affected", "--base", "origin/main"}, 4, nil,
			[]string{`bad git revision "origin/main"`, "git fetch origin main"}},
		{"no common ancestor", []string{"affected", "--base", "unrelated"}, 4, nil,
			[]string{"no common ancestor of unrelated and HEAD", "git fetch --unshallow"}},
		{"three dots and head", []string{"affected", "--base", "main...feature", "--head", "HEAD"}, 2, nil,
			[]string{"--base main...feature already names the head (feature); drop --head HEAD"}},
		{"run explains the base", []string{"run", "build", "--affected", "--base", "main", "--dry-run", "--explain"}, 0, nil,
			[]string{"mono run: affected since base: " + short + ", merge-base with the head"}},
		{"two dots", []string{"affected", "--base", "main..feature"}, 2, nil,
			[]string{"--base main..feature: give one revision, or A...B (three dots)"}},
		{"run shares the resolution", []string{"run", "build", "--affected", "--base", "unrelated", "--dry-run"}, 4, nil,
			[]string{"no common ancestor of unrelated and HEAD"}},
	})
}

// runTasks returns the component:target of each task `mono run` would run
// (--dry-run --json).
func runTasks(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	code, out, errOut := run(t, dir, append([]string{"run"}, append(args, "--dry-run", "--json")...)...)
	var report struct {
		Tasks []struct {
			Component string `json:"component"`
			Target    string `json:"target"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(out), &report); code != 0 || err != nil {
		t.Fatalf("mono run %v: exit %d, %v\n%s\n%s", args, code, err, out, errOut)
	}
	out2 := []string{}
	for _, task := range report.Tasks {
		out2 = append(out2, task.Component+":"+task.Target)
	}
	slices.Sort(out2)
	return out2
}

// TestIntegrationAffectedTestHelperAndGlobalInput is the acceptance test
// of issue 12 for typed edges and global inputs: job uses libs/a only in a
// test file (a is its test helper), and job's lint declares the Makefile.
// A change to a affects job's test alone (`mono run lint --affected` runs
// nothing for job); a change to the Makefile affects job's lint, not its
// test and not dags (which depends on job).
func TestIntegrationAffectedTestHelperAndGlobalInput(t *testing.T) {
	if testing.Short() {
		t.Skip("shells out to git")
	}
	t.Parallel()
	files := fixture.Polyglot()
	files["scripts/job/job_test.go"] = "package main\n\nimport _ \"example.com/shop/libs/a\"\n"
	files["scripts/job/component.yaml"] = "tasks:\n  lint:\n    command: go vet ./...\n    globalInputs: [Makefile]\n"
	dir := fixture.Repo(t, files)

	fixture.Write(t, dir, map[string]string{"libs/a/a.go": files["libs/a/a.go"] + "// a comment in the test helper\n"})
	fixture.Commit(t, dir, "change the helper")
	if diff := cmp.Diff([]string{"a:lint", "api:lint"}, runTasks(t, dir, "lint", "--affected", "--base", "HEAD~1")); diff != "" {
		t.Errorf("lint after a helper change (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a:test", "api:test", "job:test"}, runTasks(t, dir, "test", "--affected", "--base", "HEAD~1")); diff != "" {
		t.Errorf("test after a helper change (-want +got):\n%s", diff)
	}
	code, out, _ := run(t, dir, "affected", "--base", "HEAD~1", "--explain")
	if code != 0 || !strings.Contains(out, "via a -> job (test only)") {
		t.Errorf("affected --explain: exit %d, want job (test only):\n%s", code, out)
	}

	fixture.Write(t, dir, map[string]string{"Makefile": "all: lint\n"})
	fixture.Commit(t, dir, "change the Makefile")
	if diff := cmp.Diff([]string{"job:lint"}, runTasks(t, dir, "lint", "--affected", "--base", "HEAD~1")); diff != "" {
		t.Errorf("lint after a Makefile change (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{}, runTasks(t, dir, "test", "--affected", "--base", "HEAD~1")); diff != "" {
		t.Errorf("test after a Makefile change (-want +got):\n%s", diff)
	}
}
