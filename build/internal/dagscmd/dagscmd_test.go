package dagscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/libs/testenv"
)

// workspace is a small repository with a DAG folder, one job and a local
// bundle store in a temporary folder.
func newWorkspace(t *testing.T) (root, store string) {
	t.Helper()
	root = t.TempDir()
	store = filepath.Join(t.TempDir(), "bundles")
	fixture.Write(t, root, map[string]string{
		"mono.yaml":                              "project: acme\nenvironments: [local, dev, staging, prod]\ngoRoots:\n  scripts: go-job\n",
		"go.mod":                                 "module example.com/shop\n\ngo 1.26\n",
		"scripts/job/main.go":                    "package main\n\nfunc main() {}\n",
		"config/base.yaml":                       "shared:\n  log:\n    level: info\n",
		"config/local.yaml":                      "shared:\n  database:\n    dsn: file:.mono/data/x.db\n  blobs:\n    dag-bundles:\n      type: local\n      dir: .mono/data/blobs/dag-bundles\n",
		"dags/pyproject.toml":                    "[project]\nname = \"dags\"\n",
		"dags/component.yaml":                    "depends: [job]\ndeploy:\n  envs: [local, dev]\n  settings:\n    parse_budget: 3s\n",
		"dags/daily.py":                          "from airflow.sdk import dag\n",
		"dags/lib/helpers.py":                    "X = 1\n",
		"dags/.airflowignore":                    "lib/\n",
		"dags/__pycache__/daily.cpython-311.pyc": "junk",
		"dags/.hidden":                           "no",
	})
	return root, store
}

func deps(root, store string, now time.Time) (Deps, *bytes.Buffer) {
	var out bytes.Buffer
	return Deps{
		Deps: cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Dir: root, Environ: []string{"SHARED__BLOBS__DAG_BUNDLES__DIR=" + store}},
		Now:  func() time.Time { return now },
	}, &out
}

func TestReadBundle(t *testing.T) {
	t.Parallel()
	root, _ := newWorkspace(t)
	b, err := ReadBundle(filepath.Join(root, "dags"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range b.Files {
		paths = append(paths, f.Path)
	}
	want := []string{".airflowignore", "component.yaml", "daily.py", "lib/helpers.py", "pyproject.toml"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("bundle files (-want +got):\n%s", diff)
	}
	again, _ := ReadBundle(filepath.Join(root, "dags"))
	if again.Digest != b.Digest || len(b.Version()) != 12 {
		t.Errorf("digest not stable: %s vs %s", b.Digest, again.Digest)
	}
	if err := os.WriteFile(filepath.Join(root, "dags", "daily.py"), []byte("# changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, _ := ReadBundle(filepath.Join(root, "dags"))
	if changed.Digest == b.Digest {
		t.Error("digest did not change with a file")
	}
}

func TestDiffFiles(t *testing.T) {
	t.Parallel()
	published := []File{{Path: "a.py", SHA256: "1"}, {Path: "b.py", SHA256: "2"}, {Path: "gone.py", SHA256: "3"}}
	now := []File{{Path: "a.py", SHA256: "1"}, {Path: "b.py", SHA256: "9"}, {Path: "new.py", SHA256: "4"}}
	got := diffFiles(published, now)
	want := Diff{Added: []string{"new.py"}, Changed: []string{"b.py"}, Removed: []string{"gone.py"}, Unchanged: []string{"a.py"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	if (Diff{Unchanged: []string{"a"}}).Empty() != true || got.Empty() {
		t.Error("Empty is wrong")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	root, _ := newWorkspace(t)
	fixture.Write(t, root, map[string]string{"dags/daily.py": "import x\n\n@dag(dag_id=\"daily\")\ndef daily(): ...\n"})
	d, _ := deps(root, "", time.Now())
	p, err := d.project()
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	err = json.Unmarshal([]byte(`{
	  "files": [{"file": "daily.py", "seconds": 0.2, "dags": 1}, {"file": "slow.py", "seconds": 4.5, "dags": 0}],
	  "dags": [
	    {"dag_id": "daily", "file": "daily.py", "default_args": ["owner", "retries"], "tags": [], "jobs": ["job", "ghost"]},
	    {"dag_id": "ok", "file": "ok.py", "default_args": ["execution_timeout", "owner", "retries", "retry_delay"], "tags": ["t"], "jobs": ["job"]}
	  ],
	  "errors": [{"file": "broken.py", "line": 7, "message": "ModuleNotFoundError: No module named 'nope'"}]
	}`), &rep)
	if err != nil {
		t.Fatal(err)
	}
	budget, _ := p.parseBudget()
	var got []string
	for _, pr := range check(p, &rep, Variant{Name: "local"}, "dags", p.dir, budget) {
		got = append(got, pr.String())
	}
	want := []string{
		"dags/broken.py:7: ModuleNotFoundError: No module named 'nope' (local)",
		"dags/slow.py: parse took 4.50s, over the budget of 3s (deploy.settings.parse_budget of dags/component.yaml): move work out of the top level (local)",
		"dags/daily.py:3: DAG daily: default_args lacks retry_delay, execution_timeout (local)",
		"dags/daily.py:3: DAG daily has no tags (local)",
		`dags/daily.py:3: DAG daily runs job "ghost", which is no component of this repository (scripts/ghost?) (local)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestCheckUndeclaredJob(t *testing.T) {
	t.Parallel()
	root, _ := newWorkspace(t)
	fixture.Write(t, root, map[string]string{"dags/component.yaml": "deploy:\n  envs: [local]\n"})
	d, _ := deps(root, "", time.Now())
	p, err := d.project()
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{}
	rep.DAGs = append(rep.DAGs, struct {
		DAGID       string   `json:"dag_id"`
		File        string   `json:"file"`
		DefaultArgs []string `json:"default_args"`
		Tags        []string `json:"tags"`
		Tasks       int      `json:"tasks"`
		Jobs        []string `json:"jobs"`
	}{DAGID: "daily", File: "daily.py", DefaultArgs: RequiredDefaultArgs(), Tags: []string{"t"}, Jobs: []string{"job"}})
	ps := check(p, rep, Variant{Name: "cluster"}, "dags", p.dir, time.Second)
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "does not list in depends") {
		t.Errorf("problems = %v", ps)
	}
}

func TestDedupe(t *testing.T) {
	t.Parallel()
	ps := dedupe([]Problem{
		{File: "b.py", Line: 2, Variant: "local", Msg: "x"},
		{File: "a.py", Line: 1, Variant: "local", Msg: "y"},
		{File: "b.py", Line: 2, Variant: "cluster", Msg: "x"},
		{File: "a.py", Line: 1, Variant: "cluster", Msg: "z"},
	})
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{"a.py:1: y (local)", "a.py:1: z (cluster)", "b.py:2: x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dedupe (-want +got):\n%s", diff)
	}
}

func TestDeploy(t *testing.T) {
	t.Parallel()
	root, store := newWorkspace(t)
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	d, out := deps(root, store, now)
	ctx := context.Background()
	deploy := func(opts DeployOptions) (*DeployResult, error) {
		t.Helper()
		out.Reset()
		if opts.Env == "" {
			opts.Env = "local"
		}
		return Deploy(ctx, d, opts)
	}
	validated := func() {
		t.Helper()
		b, err := ReadBundle(filepath.Join(root, "dags"))
		if err != nil {
			t.Fatal(err)
		}
		if err := writeStamp(root, Stamp{Digest: b.Digest, Validated: now}); err != nil {
			t.Fatal(err)
		}
	}

	// Never validated: refused, nothing written.
	if _, err := deploy(DeployOptions{}); err == nil || cli.CodeOf(err) != cli.ExitFailed || !strings.Contains(err.Error(), "has not been validated") {
		t.Fatalf("deploy without validation = %v", err)
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		t.Fatalf("the store was written to: %v", err)
	}

	validated()
	res, err := deploy(DeployOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diff.Added) != 5 || !strings.Contains(out.String(), "+ daily.py") || !strings.Contains(out.String(), "dry run: nothing published") {
		t.Errorf("dry run:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(store, "current")); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote to the store: %v", err)
	}

	res, err = deploy(DeployOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v1 := res.Version
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(store, "current", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.Version != v1 || len(m.Files) != 5 || !m.Validated.Equal(now) {
		t.Errorf("manifest = %s (%v)", raw, err)
	}
	for _, p := range []string{"current/daily.py", "current/lib/helpers.py", "versions/" + v1 + "/daily.py", "versions/" + v1 + "/manifest.json"} {
		if _, err := os.Stat(filepath.Join(store, p)); err != nil {
			t.Errorf("%s not published: %v", p, err)
		}
	}

	// The same bundle again: nothing to do.
	if res, err := deploy(DeployOptions{}); err != nil || res.Uploaded != 0 || !strings.Contains(out.String(), "already the current bundle") {
		t.Errorf("second deploy = %+v, %v:\n%s", res, err, out.String())
	}

	// A change without validating again is refused.
	fixture.Write(t, root, map[string]string{"dags/daily.py": "from airflow.sdk import dag  # v2\n"})
	if err := os.Remove(filepath.Join(root, "dags", "lib", "helpers.py")); err != nil {
		t.Fatal(err)
	}
	if _, err := deploy(DeployOptions{}); err == nil || !strings.Contains(err.Error(), "changed since the last successful mono dags validate") {
		t.Fatalf("deploy of a changed bundle = %v", err)
	}
	validated()
	res, err = deploy(DeployOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Diff{Changed: []string{"daily.py"}, Removed: []string{"lib/helpers.py"}, Unchanged: []string{".airflowignore", "component.yaml", "pyproject.toml"}}, res.Diff); diff != "" {
		t.Errorf("dry run diff (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "~ daily.py") || !strings.Contains(out.String(), "- lib/helpers.py") || !strings.Contains(out.String(), "(current: "+v1+")") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	res, err = deploy(DeployOptions{})
	if err != nil || res.Deleted != 1 {
		t.Fatalf("deploy v2 = %+v, %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(store, "current", "lib", "helpers.py")); !os.IsNotExist(err) {
		t.Errorf("a removed file stays in current/: %v", err)
	}
	if _, err := os.Stat(filepath.Join(store, "versions", v1, "lib", "helpers.py")); err != nil {
		t.Errorf("the old version lost a file: %v", err)
	}
}

func TestDeployRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  string
		code int
		want string
	}{
		{"no env", "", cli.ExitUsage, "--env is required"},
		{"unknown env", "moon", cli.ExitUsage, `unknown environment "moon"`},
		{"not deployed there", "prod", cli.ExitUsage, "not deployed to prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, store := newWorkspace(t)
			d, _ := deps(root, store, time.Now())
			_, err := Deploy(context.Background(), d, DeployOptions{Env: tt.env})
			if err == nil || cli.CodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Deploy = %v (code %d), want code %d and %q", err, cli.CodeOf(err), tt.code, tt.want)
			}
		})
	}
}

func TestRunViewAndCompact(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res := &TestResult{byJob: map[string]map[string]any{}}
	v := newRunView(&out, false, res)
	for _, l := range []string{
		`2026-11-28T06:29:41.521879Z [info     ] [DAG TEST] starting task_id=rollup map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1501`,
		`2026-11-28T06:29:41.6Z [info     ] Bulk-writing dags to db        [airflow.serialization.definitions.dag] count=2`,
		`2026-11-28T06:33:14.682556Z [info     ] sales-rollup | {"level":"INFO","msg":"summary","job":"sales-rollup","outcome":"ok","exit_code":0,"rows_written":5,"exports":["a.csv"],"export_store":"exports"} [airflow.task.operators.acme_jobs.LocalJobOperator] loc=__init__.py:135`,
		`2026-11-28T06:33:14.738684Z [info     ] Task instance state updated    [airflow.api_fastapi.execution_api.routes.task_instances] new_state=success rows_affected=1`,
		`2026-11-28T06:33:14.763727Z [info     ] Marking run <DagRun daily_sales @ 2026-11-21: manual, state:running> successful [airflow.models.dagrun.DagRun]`,
	} {
		v.line(l)
	}
	want := "    airflow | task rollup started\n" +
		"    sales-rollup | INFO summary rows_written=5 outcome=ok exit_code=0\n" +
		"    airflow | task state: success\n" +
		"    airflow | run successful\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("view (-want +got):\n%s", diff)
	}
	if len(res.Jobs) != 1 || res.Jobs[0].RowsWritten != 5 || res.Jobs[0].Outcome != "ok" {
		t.Errorf("jobs = %+v", res.Jobs)
	}
	out.Reset()
	printJobs(&out, res)
	if !strings.Contains(out.String(), "sales-rollup wrote to the blob store exports:\n  a.csv") {
		t.Errorf("printJobs:\n%s", out.String())
	}
}

// TestJobsReachTheDAGs: in this repository, a change to a job the DAGs run
// reaches the DAG folder (mono affected), through the depends of
// dags/component.yaml.
func TestJobsReachTheDAGs(t *testing.T) {
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Deps: cli.Deps{Dir: root}}
	p, err := d.project()
	if err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for _, j := range p.jobs() {
		jobs = append(jobs, j.Name)
	}
	if diff := cmp.Diff([]string{"exports-cleanup", "sales-rollup"}, jobs); diff != "" {
		t.Errorf("jobs of dags/ (-want +got):\n%s", diff)
	}
	for _, job := range jobs {
		if _, ok := p.g.DependentsClosure([]string{job})[p.dags.Name]; !ok {
			t.Errorf("a change to %s does not reach %s", job, p.dags.Name)
		}
	}
}

func TestTestRefusals(t *testing.T) {
	t.Parallel()
	root, store := newWorkspace(t)
	fixture.Write(t, root, map[string]string{"dags/daily.py": "@dag(dag_id=\"daily\")\n", "dags/other.py": "DAG_ID = 'other'\n"})
	d, _ := deps(root, store, time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC))
	tests := []struct {
		opts TestOptions
		want string
	}{
		{TestOptions{DAG: "nope"}, `no DAG "nope" in dags (DAGs: daily, other)`},
		{TestOptions{DAG: "daily", Date: "2026-13-01"}, `--date "2026-13-01" is not a day`},
		{TestOptions{DAG: "daily", Date: "2026-11-29"}, "is in the future"},
	}
	for _, tt := range tests {
		_, err := Test(context.Background(), d, tt.opts)
		if err == nil || cli.CodeOf(err) != cli.ExitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Test(%+v) = %v, want usage error %q", tt.opts, err, tt.want)
		}
	}
}
