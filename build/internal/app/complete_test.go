package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/fixture"
)

// TestComplete runs cobra's hidden __complete command in-process, as the
// shell scripts of mono completion do, for each kind of candidate.
func TestComplete(t *testing.T) {
	t.Parallel()
	files := fixture.Polyglot()
	files["dags/daily.py"] = "with DAG(dag_id=\"daily_sales\") as dag:\n    pass\n"
	files["dags/exports.py"] = "DAG_ID = 'sales_exports'\n"
	files["scripts/job/component.yaml"] = "tasks:\n  seed:\n    command: echo seed\n"
	files["services/pricing/main.go"] = "package main\n\nfunc main() {}\n"
	files["deploy/airflow/component.yaml"] = "kind: helm-chart\n"
	dir := fixture.Repo(t, files)
	fixture.Git(t, dir, "branch", "feature/x")
	fixture.Git(t, dir, "tag", "v1.0.0")
	fixture.Git(t, dir, "update-ref", "refs/remotes/origin/main", "HEAD")
	fixture.Git(t, dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	sub := filepath.Join(dir, "services", "api")

	today := time.Now().UTC()
	tests := []struct {
		name      string
		args      []string
		want      []string
		directive string // default ":4", ShellCompDirectiveNoFileComp
	}{
		{"run target", []string{"run", "l"}, []string{"lint"}, ""},
		{"run workspace target", []string{"run", "se"}, []string{"seed"}, ""},
		{"run components with the target", []string{"run", "seed", ""}, []string{"job"}, ""},
		{"run components given left out", []string{"run", "seed", "job", ""}, []string{}, ""},
		{"why", []string{"why", "j"}, []string{"job"}, ""},
		{"why given left out", []string{"why", "a", ""}, []string{"@shop/app", "@shop/ui", "airflow", "api", "b", "dags", "infra-dev", "infra-prod", "job", "pricing", "program", "sales", "tfmod-network"}, ""},
		{"why third", []string{"why", "job", "b", ""}, []string{}, ""},
		{"db component", []string{"db", "migrate", "up", "-c", "ap"}, []string{"api"}, ""},
		{"graph focus", []string{"graph", "--focus", "infra-"}, []string{"infra-dev", "infra-prod"}, ""},
		{"affected target", []string{"affected", "--target", "te"}, []string{"test"}, ""},
		{"list kind", []string{"list", "--kind", "go-"}, []string{"go-service", "go-job", "go-lib", "go-tool"}, ""},
		{"env", []string{"config", "validate", "--env", ""}, []string{"local", "dev", "staging", "prod"}, ""},
		{"env db", []string{"db", "migrate", "status", "--env", "st"}, []string{"staging"}, ""},
		{"env infra", []string{"infra", "plan", "--env", "p"}, []string{"prod"}, ""},
		{"infra stack", []string{"infra", "check", "--stack", ""}, []string{"infra-dev", "infra-prod"}, ""},
		{"env dags", []string{"dags", "deploy", "--env", "d"}, []string{"dev"}, ""},
		{"dag ids", []string{"dags", "test", ""}, []string{"daily_sales", "sales_exports"}, ""},
		{"dag ids prefix", []string{"dags", "test", "sa"}, []string{"sales_exports"}, ""},
		{"base refs", []string{"affected", "--base", ""}, []string{"HEAD", "feature/x", "main", "origin/main", "v1.0.0"}, ""},
		{"base triple dot", []string{"affected", "--base", "main...f"}, []string{"main...feature/x"}, ""},
		{"run head", []string{"run", "test", "--affected", "--head", "v"}, []string{"v1.0.0"}, ""},
		// the programs whose component is here (no orders-api), NoFileComp|NoSpace
		{"dev only", []string{"dev", "--only", ""}, []string{"pricing", "airflow"}, ":6"},
		{"dev only list", []string{"dev", "--only", "airflow,"}, []string{"airflow,pricing"}, ":6"},
		{"dev with", []string{"dev", "--with", ""}, []string{"airflow"}, ":6"},
		// NoFileComp|KeepOrder
		{"dags date", []string{"dags", "test", "--date", today.Format("2006-01-02")}, []string{today.Format("2006-01-02")}, ":36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, stderr := run(t, sub, append([]string{"__complete"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got, directive := candidates(out)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("candidates (-want +got):\n%s", diff)
			}
			want := tt.directive
			if want == "" {
				want = ":4"
			}
			if directive != want {
				t.Errorf("directive %s, want %s", directive, want)
			}
		})
	}

	// Completion writes nothing: no .mono, no untracked files.
	if _, err := os.Stat(filepath.Join(dir, ".mono")); !os.IsNotExist(err) {
		t.Errorf("completion created .mono (%v)", err)
	}
	if st := fixture.Git(t, dir, "status", "--porcelain", "--ignored"); st != "" {
		t.Errorf("completion changed the work tree:\n%s", st)
	}
}

// candidates splits __complete's output into its candidates and the
// directive line.
func candidates(out string) ([]string, string) {
	got := []string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, ":") {
			return got, line
		}
		got = append(got, line)
	}
	return got, ""
}
