package dagscmd

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/moto"
)

// These tests run Airflow 3 from dags/requirements.lock, installed by
// pyenv into .mono/venvs/airflow on first use (about a minute, then cached
// until the lock changes), with AIRFLOW_HOME in a temporary folder.

func repoDeps(t *testing.T, extra ...string) (Deps, *bytes.Buffer, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (Airflow): skipped under -short")
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	environ := append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true")
	environ = append(environ, extra...)
	return Deps{
		Deps: cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Dir: root, Environ: environ},
	}, &out, root
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	t.Cleanup(cancel)
	return c
}

// TestIntegrationValidateRepository is the DAG integrity test: every DAG of
// dags/ imports in local and cluster, follows the rules, and the bundle is
// recorded as validated.
func TestIntegrationValidateRepository(t *testing.T) {
	d, out, root := repoDeps(t)
	res, err := Validate(ctx(t), d, ValidateOptions{})
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, out.String())
	}
	for _, want := range []string{"daily_sales", "sales_exports"} {
		if !strings.Contains(strings.Join(res.DAGs, ","), want) {
			t.Errorf("DAG %s not found: %v", want, res.DAGs)
		}
	}
	b, err := ReadBundle(filepath.Join(root, "dags"))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := readStamp(root); err != nil || st.Digest != b.Digest {
		t.Errorf("stamp = %+v, %v; want digest %s", st, err, b.Digest)
	}
	if !strings.Contains(out.String(), "dags/daily_sales.py") || !strings.Contains(out.String(), "ok: 2 DAGs") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestIntegrationValidateBadDAGs: import errors, syntax errors and cycles
// are reported with file and line; rule breaks name the DAG.
func TestIntegrationValidateBadDAGs(t *testing.T) {
	d, out, root := repoDeps(t)
	dir := t.TempDir()
	helper, err := os.ReadFile(filepath.Join(root, "dags", "acme_jobs", "__init__.py"))
	if err != nil {
		t.Fatal(err)
	}
	fixture.Write(t, dir, map[string]string{
		"acme_jobs/__init__.py": string(helper),
		".airflowignore":        "acme_jobs/\n",
		"broken.py": `from airflow.sdk import dag

import not_a_module_anywhere
`,
		"syntax.py": `from airflow.sdk import dag


def oops(:
    pass
`,
		"cycle.py": `from datetime import datetime, timedelta

from airflow.sdk import dag, task

ARGS = {"owner": "t", "retries": 1, "retry_delay": timedelta(minutes=1), "execution_timeout": timedelta(minutes=1)}


@dag(dag_id="cycle", schedule=None, start_date=datetime(2026, 1, 1), tags=["t"], default_args=ARGS)
def cycle():
    @task
    def first(): ...

    @task
    def second(): ...

    a, b = first(), second()
    a >> b
    b >> a


cycle()
`,
		"sloppy.py": `from datetime import datetime

from airflow.sdk import dag

from acme_jobs import job_task


@dag(dag_id="sloppy", schedule=None, start_date=datetime(2026, 1, 1))
def sloppy():
    job_task(job="ghost", task_id="run")


sloppy()
`,
	})
	res, err := Validate(ctx(t), d, ValidateOptions{Dir: dir})
	if err == nil || cli.CodeOf(err) != cli.ExitFailed {
		t.Fatalf("validate of bad DAGs = %v\n%s", err, out.String())
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"broken.py:3: ModuleNotFoundError: No module named 'not_a_module_anywhere'",
		"syntax.py:4: SyntaxError",
		"cycle.py:18: AirflowDagCycleException: Cycle detected in Dag: cycle",
		"sloppy.py:8: DAG sloppy: default_args lacks owner, retries, retry_delay, execution_timeout",
		"sloppy.py:8: DAG sloppy has no tags",
		`sloppy.py:8: DAG sloppy runs job "ghost", which is no component of this repository`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
	if !strings.Contains(out.String(), "problem(s):") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestIntegrationDagsTestDailySales runs the daily DAG end to end with
// airflow dags test in local mode: the real Go job, a SQLite database and a
// blob folder in a temporary folder; then checks daily_sales and the export.
func TestIntegrationDagsTestDailySales(t *testing.T) {
	state := t.TempDir()
	dsn := filepath.Join(state, "orders.db")
	exports := filepath.Join(state, "exports")
	d, out, _ := repoDeps(t, "SHARED__DATABASE__DSN=file:"+dsn, "SHARED__BLOBS__EXPORTS__DIR="+exports)
	c := ctx(t)
	res, err := Test(c, d, TestOptions{DAG: "daily_sales", Date: "2026-03-01"})
	if err != nil {
		t.Fatalf("dags test: %v\n%s", err, out.String())
	}
	if len(res.Jobs) != 1 || res.Jobs[0].Job != "sales-rollup" || res.Jobs[0].Outcome != "ok" || res.Jobs[0].RowsWritten != 5 {
		t.Errorf("jobs = %+v\n%s", res.Jobs, out.String())
	}
	conn, err := db.Open(c, dbconf.SQLite("orders", dsn))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := dailySales(c, conn, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	var orders int64
	for _, r := range rows {
		orders += r.Orders
	}
	// The seed has 12 orders in 5 regions, 2 of them cancelled.
	if len(rows) != 5 || orders != 10 {
		t.Errorf("daily_sales = %+v", rows)
	}
	csv, err := os.ReadFile(filepath.Join(exports, "sales-rollup", "daily-sales", "2026-03-01.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 6 || lines[0] != "day,region,orders,revenue_cents" || !strings.HasPrefix(lines[1], "2026-03-01,") {
		t.Errorf("export:\n%s", csv)
	}
	if _, err := os.Stat(filepath.Join(exports, "sales-rollup", "daily-sales", "2026-03-01.parquet")); err != nil {
		t.Error(err)
	}
	for _, want := range []string{"airflow | task rollup started", "sales-rollup | INFO summary", "run successful", "daily_sales of 2026-03-01", "ok: daily_sales ran for 2026-03-01"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestIntegrationHelperUnitTests runs the unit tests of dags/acme_jobs (how a
// job runs per environment, exit codes, asset annotations) in the venv.
func TestIntegrationHelperUnitTests(t *testing.T) {
	d, out, root := repoDeps(t)
	p, err := d.project()
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	env, err := d.venv(c, p, out)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(c, env.Python(), "-m", "unittest", "discover", "-s", filepath.Join(p.dir, "tests"), "-v")
	cmd.Dir = root
	cmd.Env = setEnv(d.Environ, "PYTHONPATH", p.dir, "AIRFLOW_HOME", t.TempDir(), "AIRFLOW__CORE__LOAD_EXAMPLES", "False", "ENV", "")
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "\nOK") {
		t.Fatalf("python -m unittest: %v\n%s", err, b)
	}
}

// TestIntegrationDeployS3 publishes to an S3 bucket (moto), as in the cloud
// environments: the S3 store is chosen through the variable layer of the
// configuration, credentials through the SDK's default chain.
func TestIntegrationDeployS3(t *testing.T) {
	srv := moto.New(t)
	for k, v := range srv.Env() {
		t.Setenv(k, v)
	}
	c := ctx(t)
	client := blob.NewS3Client(srv.AWSConfig())
	if _, err := client.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("acme-test-dag-bundles")}); err != nil {
		t.Fatal(err)
	}
	root, _ := newWorkspace(t)
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	d, out := deps(root, "", now)
	d.Environ = []string{"SHARED__BLOBS__DAG_BUNDLES__TYPE=s3", "SHARED__BLOBS__DAG_BUNDLES__BUCKET=acme-test-dag-bundles",
		"SHARED__AWS__ENDPOINT=" + srv.Endpoint, "SHARED__AWS__REGION=" + moto.Region}
	b, err := ReadBundle(filepath.Join(root, "dags"))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeStamp(root, Stamp{Digest: b.Digest, Validated: now}); err != nil {
		t.Fatal(err)
	}
	res, err := Deploy(c, d, DeployOptions{Env: "local"})
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "s3://acme-test-dag-bundles") || res.Uploaded != 2*len(b.Files)+2 {
		t.Errorf("deploy = %+v:\n%s", res, out.String())
	}
	store, err := blob.NewS3(c, client, "dag-bundles", "acme-test-dag-bundles", "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := readManifest(c, store, CurrentPrefix+ManifestName)
	if err != nil || m.Version != b.Version() || len(m.Files) != len(b.Files) {
		t.Fatalf("published manifest = %+v, %v", m, err)
	}
	list, err := store.List(c, VersionsPrefix+b.Version()+"/")
	if err != nil || len(list) != len(b.Files)+1 {
		t.Errorf("versions/%s holds %d objects (%v), want %d", b.Version(), len(list), err, len(b.Files)+1)
	}
	// A dry run after a change shows the diff against what S3 holds.
	fixture.Write(t, root, map[string]string{"dags/daily.py": "# v2\n"})
	b2, _ := ReadBundle(filepath.Join(root, "dags"))
	_ = writeStamp(root, Stamp{Digest: b2.Digest, Validated: now})
	out.Reset()
	res, err = Deploy(c, d, DeployOptions{Env: "local", DryRun: true})
	if err != nil || len(res.Diff.Changed) != 1 || !strings.Contains(out.String(), "~ daily.py") || !strings.Contains(out.String(), "(current: "+b.Version()+")") {
		t.Errorf("dry run = %+v, %v:\n%s", res, err, out.String())
	}
}
