// Package dagscmd implements `mono dags validate|test|deploy`: the Airflow
// DAGs of dags/ imported with Airflow itself (in a venv made from
// dags/requirements.lock), run end to end on this machine against the
// local defaults with the real Go jobs, and published per environment as a
// versioned bundle with a manifest of file hashes (docs/jobs-and-dags.md).
package dagscmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/testenv/pyenv"
)

// Deps are what the dags commands need beyond cli.Deps.
type Deps struct {
	// Deps.Environ is passed on to Airflow and the jobs, and is the
	// variable layer of the configuration.
	cli.Deps
	// Venv returns the Airflow venv, made from the requirements; nil means
	// pyenv.Ensure under .mono/venvs/airflow.
	Venv func(ctx context.Context, root string, requirements []byte, log func(string)) (*pyenv.Env, error)
	// Now is the clock (the default day of dags test, manifest times).
	Now func() time.Time
}

// VenvName is the folder of the Airflow venv under .mono/venvs.
const VenvName = "airflow"

// LockFile is the pinned Python environment inside the DAG folder.
const LockFile = "requirements.lock"

// Component settings read from dags/component.yaml (deploy.settings).
const (
	BundleStoreSetting = "bundle_store" // logical blob store of the bundles
	ParseBudgetSetting = "parse_budget" // longest parse time per file
)

// Defaults of the settings.
const (
	DefaultBundleStore = "dag-bundles"
	DefaultParseBudget = 5 * time.Second
)

// NewCommand returns `mono dags` with its subcommands.
func NewCommand(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dags",
		Short: "Airflow DAGs: validate, run locally, publish a bundle",
		Long: `The DAGs of dags/ (a python-dags component) with Airflow 3 from
dags/requirements.lock, installed once into .mono/venvs/airflow.

  validate  import every DAG file with Airflow's DagBag, in the local and the
            cluster variant: no import errors or cycles (file:line), required
            default_args and tags, every job a DAG runs declared in
            dags/component.yaml, parse time per file within the budget
  test      run one DAG with airflow dags test on this machine: the Go jobs
            built and run as local processes on the local defaults
  deploy    publish the validated DAG folder as a versioned bundle to the
            environment's DAG bucket (--dry-run shows the diff)`,
	}
	cmd.AddCommand(validateCommand(d), testCommand(d), deployCommand(d))
	return cmd
}

// project is what every dags command works on.
type project struct {
	ws   *workspace.Workspace
	g    *graph.Graph
	dags *graph.Component
	dir  string // absolute DAG folder
}

func (d Deps) project() (*project, error) {
	ws, g, err := d.Graph()
	if err != nil {
		return nil, err
	}
	var found []*graph.Component
	for _, c := range g.Components() {
		if c.Kind == graph.PythonDAGs {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, cli.Usagef("no python-dags component in this repository (a folder named dags with a pyproject.toml)")
	case 1:
	default:
		return nil, cli.Usagef("%d python-dags components; mono dags works on one", len(found))
	}
	return &project{ws: ws, g: g, dags: found[0], dir: ws.Path(found[0].Dir)}, nil
}

// venv returns the Airflow venv, creating it on first use.
func (d Deps) venv(ctx context.Context, p *project, log io.Writer) (*pyenv.Env, error) {
	lock := filepath.Join(p.dir, LockFile)
	req, err := os.ReadFile(lock)
	if err != nil {
		return nil, cli.Exit(cli.ExitConfig, fmt.Errorf("read the pinned Airflow environment: %w", err))
	}
	ensure := d.Venv
	if ensure == nil {
		ensure = func(ctx context.Context, root string, req []byte, logf func(string)) (*pyenv.Env, error) {
			return pyenv.Ensure(ctx, root, VenvName, req, logf)
		}
	}
	env, err := ensure(ctx, p.ws.Root, req, func(s string) { fmt.Fprintln(log, s) })
	if err != nil {
		return nil, cli.Exit(cli.ExitMissing, fmt.Errorf("airflow venv from %s/%s: %w", p.dags.Dir, LockFile, err))
	}
	return env, nil
}

// jobs are the go-job components the DAG folder declares in depends.
func (p *project) jobs() []*graph.Component {
	var out []*graph.Component
	for _, name := range p.dags.Depends {
		if c := p.g.Get(name); c != nil && c.Kind == graph.GoJob {
			out = append(out, c)
		}
	}
	return out
}

// parseBudget reads deploy.settings.parse_budget.
func (p *project) parseBudget() (time.Duration, error) {
	v, ok := p.dags.Deploy.Settings[ParseBudgetSetting]
	if !ok {
		return DefaultParseBudget, nil
	}
	s, _ := v.(string)
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 {
		return 0, cli.Exit(cli.ExitConfig, fmt.Errorf("%s: deploy.settings.%s must be a duration such as 2s, got %v", p.dags.Manifest, ParseBudgetSetting, v))
	}
	return dur, nil
}

// bundleStore reads deploy.settings.bundle_store.
func (p *project) bundleStore() string {
	if s, ok := p.dags.Deploy.Settings[BundleStoreSetting].(string); ok && s != "" {
		return s
	}
	return DefaultBundleStore
}

func (d Deps) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// setEnv returns environ with key set to value (replacing an earlier one).
func setEnv(environ []string, kv ...string) []string {
	out := slices.Clone(environ)
	for i := 0; i+1 < len(kv); i += 2 {
		key, val := kv[i], kv[i+1]
		out = slices.DeleteFunc(out, func(s string) bool { return strings.HasPrefix(s, key+"=") })
		out = append(out, key+"="+val)
	}
	return out
}
