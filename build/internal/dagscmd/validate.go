package dagscmd

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/testenv/pyenv"
)

//go:embed validate.py
var validateScript []byte

// RequiredDefaultArgs returns the default_args every DAG sets.
func RequiredDefaultArgs() []string {
	return []string{"owner", "retries", "retry_delay", "execution_timeout"}
}

// ClusterImage is the stand-in jobs image the cluster variant is parsed with.
const ClusterImage = "validate.invalid/acme/jobs:validate"

// Variant is one way the DAG files are parsed: as in local or as in the
// cluster (where the job helper builds KubernetesPodOperators).
type Variant struct {
	Name    string
	Environ []string
}

// Variants are the environments validate parses the DAGs in.
func Variants() []Variant {
	return []Variant{
		{Name: "local", Environ: []string{"ENV=local"}},
		{Name: "cluster", Environ: []string{"ENV=prod", "JOBS_IMAGE=" + ClusterImage, "JOBS_NAMESPACE=apps"}},
	}
}

// Report is what validate.py writes for one variant.
type Report struct {
	AirflowImportSeconds float64 `json:"airflow_import_seconds"`
	Files                []struct {
		File    string  `json:"file"`
		Seconds float64 `json:"seconds"`
		DAGs    int     `json:"dags"`
		Tasks   int     `json:"tasks"`
	} `json:"files"`
	DAGs []struct {
		DAGID       string   `json:"dag_id"`
		File        string   `json:"file"`
		DefaultArgs []string `json:"default_args"`
		Tags        []string `json:"tags"`
		Tasks       int      `json:"tasks"`
		Jobs        []string `json:"jobs"`
	} `json:"dags"`
	Errors []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Message string `json:"message"`
		Detail  string `json:"detail"`
	} `json:"errors"`
}

// Problem is one rule broken at a place.
type Problem struct {
	File    string `json:"file"` // relative to the repository root
	Line    int    `json:"line"`
	Variant string `json:"variant,omitempty"`
	Msg     string `json:"message"`
}

func (p Problem) String() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Variant != "" {
		return fmt.Sprintf("%s: %s (%s)", where, p.Msg, p.Variant)
	}
	return fmt.Sprintf("%s: %s", where, p.Msg)
}

// FileTime is the parse time of one file.
type FileTime struct {
	File    string        `json:"file"`
	DAGs    int           `json:"dags"`
	Seconds float64       `json:"seconds"` // the slower variant
	Budget  time.Duration `json:"-"`
}

// Result is the outcome of a validation.
type Result struct {
	Digest   string     `json:"digest"`
	DAGs     []string   `json:"dags"`
	Files    []FileTime `json:"files"`
	Budget   string     `json:"parse_budget"`
	Problems []Problem  `json:"problems"`
}

// ValidateOptions are the flags of validate.
type ValidateOptions struct {
	JSON bool
	// Dir validates another DAG folder (tests); default the component's.
	Dir string
}

func validateCommand(d Deps) *cobra.Command {
	var opts ValidateOptions
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Import every DAG with Airflow and check the rules",
		Long: `Import every DAG file of dags/ with Airflow's DagBag, once as in local and
once as in the cluster, and fail on:

  - an import error or a dependency cycle (file:line)
  - a DAG without the default_args ` + strings.Join(RequiredDefaultArgs(), ", ") + `
  - a DAG without tags
  - a DAG that runs a job (scripts/<job>) dags/component.yaml does not list
    in depends, or that is no go-job (mono affected would miss it)
  - a file whose parse takes longer than deploy.settings.parse_budget

On success the bundle's digest is recorded under .mono/dags, which is what
mono dags deploy checks.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := Validate(c.Context(), d, opts)
			return err
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON for machines")
	return cmd
}

// Validate validates the DAG folder, prints the result and records the
// stamp when it passes.
func Validate(ctx context.Context, d Deps, opts ValidateOptions) (*Result, error) {
	p, err := d.project()
	if err != nil {
		return nil, err
	}
	dir := p.dir
	rel := p.dags.Dir
	if opts.Dir != "" {
		dir, _ = filepath.Abs(opts.Dir)
		rel, _ = filepath.Rel(p.ws.Root, dir)
		rel = filepath.ToSlash(rel)
	}
	budget, err := p.parseBudget()
	if err != nil {
		return nil, err
	}
	bundle, err := ReadBundle(dir)
	if err != nil {
		return nil, err
	}
	env, err := d.venv(ctx, p, d.IO.ErrOut)
	if err != nil {
		return nil, err
	}
	res := &Result{Digest: bundle.Digest, Budget: budget.String(), Problems: []Problem{}}
	times := map[string]*FileTime{}
	dags := map[string]bool{}
	for _, v := range Variants() {
		rep, err := runValidate(ctx, env, dir, v, d.Environ)
		if err != nil {
			return nil, err
		}
		res.Problems = append(res.Problems, check(p, rep, v, rel, dir, budget)...)
		for _, f := range rep.Files {
			ft := times[f.File]
			if ft == nil {
				ft = &FileTime{File: path.Join(rel, f.File)}
				times[f.File] = ft
			}
			ft.Seconds = max(ft.Seconds, f.Seconds)
			ft.DAGs = max(ft.DAGs, f.DAGs)
		}
		for _, dg := range rep.DAGs {
			dags[dg.DAGID] = true
		}
	}
	for _, ft := range times {
		res.Files = append(res.Files, *ft)
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].File < res.Files[j].File })
	for id := range dags {
		res.DAGs = append(res.DAGs, id)
	}
	sort.Strings(res.DAGs)
	if len(res.DAGs) == 0 && len(res.Problems) == 0 {
		res.Problems = append(res.Problems, Problem{File: rel, Msg: "no DAG found"})
	}
	res.Problems = dedupe(res.Problems)

	if opts.JSON {
		if err := cli.WriteJSON(d.IO.Out, res); err != nil {
			return res, err
		}
	} else {
		printValidate(d.IO.Out, res, budget)
	}
	if len(res.Problems) > 0 {
		return res, cli.Exit(cli.ExitFailed, fmt.Errorf("%s: %d problem(s); the bundle is not validated", rel, len(res.Problems)))
	}
	if opts.Dir == "" {
		if err := writeStamp(p.ws.Root, Stamp{Digest: bundle.Digest, Validated: d.now().UTC(), DAGs: res.DAGs}); err != nil {
			return res, fmt.Errorf("record the validation: %w", err)
		}
	}
	return res, nil
}

// runValidate runs validate.py in the venv for one variant.
func runValidate(ctx context.Context, env *pyenv.Env, dir string, v Variant, environ []string) (*Report, error) {
	tmp, err := os.MkdirTemp("", "mono-dags-validate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "validate.py")
	if err := os.WriteFile(script, validateScript, 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(tmp, "report.json")
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.Python(), script, dir, out)
	cmd.Env = setEnv(environ, airflowEnv(filepath.Join(tmp, "home"), dir)...)
	cmd.Env = append(cmd.Env, v.Environ...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("import the DAGs with Airflow (%s): %w\n%s", v.Name, err, tail(log.String(), 3000))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("import the DAGs with Airflow (%s): no report: %w\n%s", v.Name, err, tail(log.String(), 3000))
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("read the validation report: %w", err)
	}
	return &rep, nil
}

// airflowEnv is the environment of an Airflow process with its home at
// home, reading DAGs from dags: SQLite metadata, no examples, quiet.
func airflowEnv(home, dags string) []string {
	return []string{
		"AIRFLOW_HOME", home,
		"AIRFLOW__CORE__DAGS_FOLDER", dags,
		"AIRFLOW__CORE__LOAD_EXAMPLES", "False",
		"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite:///" + filepath.Join(home, "airflow.db"),
		"AIRFLOW__CORE__EXECUTOR", "LocalExecutor",
		"AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO",
		"AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX", "glob",
		"NO_PROXY", "*",
	}
}

// check applies the rules to one variant's report.
func check(p *project, rep *Report, v Variant, rel, dir string, budget time.Duration) []Problem {
	var out []Problem
	for _, e := range rep.Errors {
		out = append(out, Problem{File: path.Join(rel, e.File), Line: e.Line, Variant: v.Name, Msg: e.Message})
	}
	for _, f := range rep.Files {
		if time.Duration(f.Seconds*float64(time.Second)) > budget {
			out = append(out, Problem{File: path.Join(rel, f.File), Variant: v.Name,
				Msg: fmt.Sprintf("parse took %.2fs, over the budget of %s (deploy.settings.%s of %s): move work out of the top level", f.Seconds, budget, ParseBudgetSetting, p.dags.Manifest)})
		}
	}
	for _, dg := range rep.DAGs {
		file := path.Join(rel, dg.File)
		line := lineOf(filepath.Join(dir, filepath.FromSlash(dg.File)), dg.DAGID)
		var missing []string
		for _, a := range RequiredDefaultArgs() {
			if !slices.Contains(dg.DefaultArgs, a) {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			out = append(out, Problem{File: file, Line: line, Variant: v.Name, Msg: fmt.Sprintf("DAG %s: default_args lacks %s", dg.DAGID, strings.Join(missing, ", "))})
		}
		if len(dg.Tags) == 0 {
			out = append(out, Problem{File: file, Line: line, Variant: v.Name, Msg: fmt.Sprintf("DAG %s has no tags", dg.DAGID)})
		}
		for _, job := range dg.Jobs {
			c := p.g.Get(job)
			switch {
			case c == nil:
				out = append(out, Problem{File: file, Line: line, Variant: v.Name, Msg: fmt.Sprintf("DAG %s runs job %q, which is no component of this repository (scripts/%s?)", dg.DAGID, job, job)})
			case !slices.Contains(p.dags.Depends, job):
				where := p.dags.Manifest
				if where == "" {
					where = path.Join(p.dags.Dir, "component.yaml")
				}
				out = append(out, Problem{File: file, Line: line, Variant: v.Name, Msg: fmt.Sprintf("DAG %s runs job %s, which %s does not list in depends (mono affected would miss the DAG when the job changes)", dg.DAGID, job, where)})
			}
		}
	}
	return out
}

// lineOf finds the first line of file that quotes s; 0 if none.
func lineOf(file, s string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, `"`+s+`"`) || strings.Contains(l, `'`+s+`'`) {
			return i + 1
		}
	}
	return 0
}

// dedupe drops a problem both variants found, keeping the first.
func dedupe(ps []Problem) []Problem {
	ps = slices.Clone(ps)
	seen := map[string]bool{}
	out := []Problem{}
	for _, p := range ps {
		k := fmt.Sprintf("%s:%d:%s", p.File, p.Line, p.Msg)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	for i := range out {
		if n := count(ps, out[i]); n > 1 {
			out[i].Variant = ""
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

func count(ps []Problem, p Problem) int {
	n := 0
	for _, q := range ps {
		if q.File == p.File && q.Line == p.Line && q.Msg == p.Msg {
			n++
		}
	}
	return n
}

func printValidate(w io.Writer, r *Result, budget time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "FILE\tDAGS\tPARSE\t(budget %s)\n", budget)
	for _, f := range r.Files {
		mark := "ok"
		if time.Duration(f.Seconds*float64(time.Second)) > budget {
			mark = "over budget"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2fs\t%s\n", f.File, f.DAGs, f.Seconds, mark)
	}
	_ = tw.Flush()
	if len(r.Problems) > 0 {
		fmt.Fprintf(w, "\n%d problem(s):\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		return
	}
	fmt.Fprintf(w, "\nok: %d DAGs (%s) import cleanly in local and cluster; bundle %s validated\n", len(r.DAGs), strings.Join(r.DAGs, ", "), r.Digest[:12])
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
