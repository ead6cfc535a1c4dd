package devcmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/testenv/pyenv"
)

// AirflowName is the optional program `mono dev --with airflow` adds.
const AirflowName = "airflow"

// AirflowListen is where the Airflow UI and API answer locally (8080 is
// orders-api's).
const AirflowListen = "127.0.0.1:8070"

// airflowProgram is Airflow 3 in standalone mode (scheduler, DAG processor,
// triggerer and API server in one process tree) on a local AIRFLOW_HOME
// under the state folder, reading dags/ directly. The DAGs run the jobs of
// scripts/ as local processes (dags/acme_jobs with ENV=local): they are
// built into the state folder's bin, and see the same database and blobs
// as the other programs. Only with --with airflow: the first start makes
// the venv (dags/requirements.lock), which takes a minute or two.
func airflowProgram() Program {
	home := func(e *Env) string { return filepath.Join(e.Dir, "airflow") }
	var venv *pyenv.Env
	return Program{
		Name: AirflowName, Optional: true, Health: "/api/v2/monitor/health",
		After: []string{"orders-api"},
		Watch: []string{"scripts"},
		Build: func(ctx context.Context, e *Env) error {
			req, err := os.ReadFile(filepath.Join(e.Root, "dags", "requirements.lock"))
			if err != nil {
				return err
			}
			venv, err = pyenv.Ensure(ctx, e.Root, AirflowName, req, func(s string) { e.out.line(AirflowName, s) })
			if err != nil {
				return err
			}
			start := time.Now()
			jobs, err := localJobs(e.Root)
			if err != nil {
				return err
			}
			for _, j := range jobs {
				if err := e.run(ctx, "build", "go", "build", "-o", filepath.Join(e.Bin, j), "./scripts/"+j); err != nil {
					return fmt.Errorf("go build ./scripts/%s: %w", j, err)
				}
			}
			if err := os.MkdirAll(home(e), 0o755); err != nil {
				return err
			}
			argv := append([]string{"env"}, airflowEnviron(e, home(e), venv)...)
			if err := e.run(ctx, AirflowName, append(argv, venv.Bin("airflow"), "db", "migrate")...); err != nil {
				return fmt.Errorf("airflow db migrate: %w", err)
			}
			e.out.line("build", fmt.Sprintf("built the jobs (%s) and migrated %s in %s", strings.Join(jobs, ", "), home(e), time.Since(start).Round(100*time.Millisecond)))
			return nil
		},
		Command: func(e *Env) []string {
			// env(1) sets Airflow's variables for this program only.
			argv := append([]string{"env"}, airflowEnviron(e, home(e), venv)...)
			return append(argv, venv.Bin("airflow"), "standalone")
		},
		Listen: func(context.Context, *Config) (string, error) { return AirflowListen, nil },
		Links:  []Link{{"UI", "/"}, {"DAG daily_sales", "/dags/daily_sales"}},
		Extra: func(context.Context, *Env) ([]string, error) {
			return []string{"no login locally (every user is admin); DAGs start paused: unpause or trigger daily_sales in the UI"}, nil
		},
	}
}

// airflowEnviron is what Airflow runs with, besides mono dev's environment
// (ENV=local, the database and blob overrides, which the jobs inherit).
// The venv's bin goes first on PATH: standalone starts its parts as
// `airflow <component>`.
func airflowEnviron(e *Env, home string, venv *pyenv.Env) []string {
	host, port, _ := strings.Cut(AirflowListen, ":")
	path := filepath.Dir(venv.Bin("airflow"))
	if p := envValue(e.Environ, "PATH"); p != "" {
		path += string(os.PathListSeparator) + p
	}
	return []string{
		"PATH=" + path,
		"AIRFLOW_HOME=" + home,
		"AIRFLOW__CORE__DAGS_FOLDER=" + filepath.Join(e.Root, "dags"),
		"AIRFLOW__CORE__LOAD_EXAMPLES=False",
		"AIRFLOW__CORE__EXECUTOR=LocalExecutor",
		"AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True",
		"AIRFLOW__API__HOST=" + host,
		"AIRFLOW__API__PORT=" + port,
		"AIRFLOW__API__BASE_URL=http://" + AirflowListen,
		"JOBS_BIN_DIR=" + e.Bin,
	}
}

// localJobs are the Go jobs of scripts/.
func localJobs(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "scripts"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, en := range entries {
		if en.IsDir() {
			if _, err := os.Stat(filepath.Join(root, "scripts", en.Name(), "main.go")); err == nil {
				out = append(out, en.Name())
			}
		}
	}
	return out, nil
}

// withOptional drops the optional programs that neither --with nor --only
// names, and checks that --with names optional programs.
func withOptional(all []Program, with, only []string) ([]Program, error) {
	var optional []string
	var out []Program
	for _, p := range all {
		if !p.Optional {
			out = append(out, p)
			continue
		}
		optional = append(optional, p.Name)
		if slices.Contains(with, p.Name) || slices.Contains(only, p.Name) {
			out = append(out, p)
		}
	}
	for _, w := range with {
		if !slices.Contains(optional, w) {
			return nil, cli.Usagef("--with %s: no such optional program (optional: %s)", w, strings.Join(optional, ", "))
		}
	}
	return out, nil
}
