package dagscmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbmigrate"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/testenv/pyenv"
)

// TestOptions are the flags of dags test.
type TestOptions struct {
	DAG string
	// Date is the day the run works on (2006-01-02); default yesterday UTC.
	Date string
	// NoSeed skips loading sample orders for the day.
	NoSeed bool
	// Verbose shows Airflow's whole output.
	Verbose bool
	// Keep leaves the temporary AIRFLOW_HOME in place.
	Keep bool
}

// JobRun is one job's summary line, as the run logged it.
type JobRun struct {
	Job         string         `json:"job"`
	Outcome     string         `json:"outcome"`
	RowsWritten float64        `json:"rows_written"`
	Fields      map[string]any `json:"-"`
}

// TestResult is what a dags test did.
type TestResult struct {
	DAG  string   `json:"dag"`
	Day  string   `json:"day"`
	Jobs []JobRun `json:"jobs"`
	// Log is Airflow's whole output (removed with the temporary home
	// unless --keep).
	Log   string                    `json:"log"`
	byJob map[string]map[string]any // job -> its summary record
}

func testCommand(d Deps) *cobra.Command {
	var opts TestOptions
	cmd := &cobra.Command{
		Use:   "test DAG_ID",
		Short: "Run one DAG locally with airflow dags test and the real Go jobs",
		Long: `Run one DAG end to end on this machine, as Airflow would in local:

  1. build the jobs dags/component.yaml lists into .mono/dags/bin
  2. migrate the local database (config/local.yaml: .mono/data/orders.db) for
     the jobs and what they read, and load sample orders for the day
  3. airflow dags test in a temporary AIRFLOW_HOME (SQLite, no examples),
     the jobs run as local processes with ENV=local
  4. print each job's summary and, for the sales rollup, the rows written

--date is the day the run works on (the DAG's "day" parameter); the
logical date is the day after, as on the schedule.`,
		Example: `  mono dags test daily_sales
  mono dags test daily_sales --date 2026-11-27
  mono dags test sales_exports -v`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.DAG = args[0]
			_, err := Test(c.Context(), d, opts)
			return err
		},
		// DAG ids from the dag_id declarations of the DAG files: no
		// Airflow, no venv.
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			p, err := d.project()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var out []string
			for _, id := range dagIDs(p.dir) {
				if strings.HasPrefix(id, toComplete) {
					out = append(out, id)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
	}
	cmd.Flags().StringVar(&opts.Date, "date", "", "the day to work on, 2006-01-02 (default yesterday UTC)")
	cmd.Flags().BoolVar(&opts.NoSeed, "no-seed", false, "do not load sample orders for the day")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "show Airflow's whole output")
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the temporary AIRFLOW_HOME")
	return cmd
}

// Test runs one DAG with airflow dags test.
func Test(ctx context.Context, d Deps, opts TestOptions) (*TestResult, error) {
	p, err := d.project()
	if err != nil {
		return nil, err
	}
	day, err := batch.ParseDay(opts.Date, d.now(), time.UTC)
	if err != nil {
		return nil, cli.Usagef("%s", strings.TrimPrefix(err.Error(), "bad input: "))
	}
	if ids := dagIDs(p.dir); !slices.Contains(ids, opts.DAG) {
		return nil, cli.Usagef("no DAG %q in %s (DAGs: %s)", opts.DAG, p.dags.Dir, strings.Join(ids, ", "))
	}
	dayS := day.Format(batch.DayLayout)
	out := d.IO.Out
	step := func(format string, args ...any) { fmt.Fprintf(out, "==> "+format+"\n", args...) }

	step("Airflow venv (%s/%s)", p.dags.Dir, LockFile)
	env, err := d.venv(ctx, p, out)
	if err != nil {
		return nil, err
	}

	bin := p.ws.Path(".mono/dags/bin")
	jobs := p.jobs()
	step("build %d job(s) into %s", len(jobs), relTo(p.ws.Root, bin))
	if err := buildJobs(ctx, p.ws.Root, bin, jobs, d.IO.ErrOut); err != nil {
		return nil, err
	}

	environ := setEnv(d.Environ, "ENV", config.Local)
	step("local database and blobs (config/local.yaml)")
	if err := d.prepareLocal(ctx, p, environ, dayS, !opts.NoSeed, out); err != nil {
		return nil, err
	}

	home, err := os.MkdirTemp("", "mono-airflow-home-")
	if err != nil {
		return nil, err
	}
	if !opts.Keep {
		defer os.RemoveAll(home)
	}
	logPath := filepath.Join(home, "dags-test.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	aenv := setEnv(environ, airflowEnv(home, p.dir)...)
	aenv = setEnv(aenv, "JOBS_BIN_DIR", bin, "CONFIG_DIR", p.ws.Path(p.ws.Settings.ConfigDir), "SHARED__LOG__FORMAT", "json")

	step("airflow db migrate (AIRFLOW_HOME %s)", home)
	if err := runAirflow(ctx, env, p.ws.Root, aenv, logFile, nil, "db", "migrate"); err != nil {
		return nil, fmt.Errorf("airflow db migrate: %w (log: %s)", err, logPath)
	}

	logical := day.AddDate(0, 0, 1).Format(batch.DayLayout)
	conf := fmt.Sprintf(`{"day": %q}`, dayS)
	step("airflow dags test %s %s (day %s)", opts.DAG, logical, dayS)
	res := &TestResult{DAG: opts.DAG, Day: dayS, Log: logPath, byJob: map[string]map[string]any{}}
	show := newRunView(out, opts.Verbose, res)
	runErr := runAirflow(ctx, env, p.ws.Root, aenv, logFile, show, "dags", "test", "-c", conf, opts.DAG, logical)
	if runErr != nil {
		fmt.Fprintf(out, "\nThe run failed. Airflow's whole output: %s\n", logPath)
		if opts.Keep || opts.Verbose {
			return res, cli.Exit(cli.ExitFailed, fmt.Errorf("dags test %s: %w", opts.DAG, runErr))
		}
		printTail(out, logPath, 40)
		return res, cli.Exit(cli.ExitFailed, fmt.Errorf("dags test %s: %w (run with --keep to keep the log)", opts.DAG, runErr))
	}
	fmt.Fprintln(out)
	printJobs(out, res)
	if _, ok := res.byJob["sales-rollup"]; ok {
		if err := d.printDailySales(ctx, p, environ, dayS, out); err != nil {
			return res, err
		}
	}
	fmt.Fprintf(out, "\nok: %s ran for %s\n", opts.DAG, dayS)
	return res, nil
}

// dagIDs finds the DAG ids the files of dir declare (dag_id="..." or a
// DAG_ID constant), without Airflow: a quick check before a long run.
func dagIDs(dir string) []string {
	re := regexp.MustCompile(`(?:dag_id|DAG_ID)\s*=\s*["']([^"']+)["']`)
	var out []string
	files, _ := filepath.Glob(filepath.Join(dir, "*.py"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// buildJobs builds each job's main package into bin.
func buildJobs(ctx context.Context, root, bin string, jobs []*graph.Component, errOut io.Writer) error {
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	for _, j := range jobs {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, j.Name), "./"+j.Dir)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = errOut, errOut
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build job %s (./%s): %w", j.Name, j.Dir, err)
		}
	}
	return nil
}

// prepareLocal migrates the local database for the jobs and what they
// depend on, and seeds sample orders for the day.
func (d Deps) prepareLocal(ctx context.Context, p *project, environ []string, day string, seed bool, out io.Writer) error {
	var names []string
	for _, j := range p.jobs() {
		names = append(names, j.Name)
		names = append(names, p.g.Deps(j.Name)...)
	}
	var withMigrations []*graph.Component
	for _, n := range p.g.Order(names) {
		c := p.g.Get(n)
		if c == nil || !c.Kind.IsGo() {
			continue
		}
		if dbmigrate.Has(c) {
			withMigrations = append(withMigrations, c)
		}
	}
	w := &prefixWriter{w: out, prefix: "    migrate | "}
	if len(withMigrations) > 0 {
		shared, err := d.WithEnviron(environ).Shared(ctx, p.ws, config.Local)
		if err != nil {
			return err
		}
		for _, c := range withMigrations {
			if err := migrateUp(ctx, p, c, shared, w); err != nil {
				return err
			}
		}
	}
	w.flush()
	if !seed || p.g.Get("orders-api") == nil {
		return nil
	}
	conn, err := d.openLocal(ctx, p, environ)
	if err != nil {
		return err
	}
	defer conn.Close()
	n, err := seedOrders(ctx, conn, p.ws.Path(SeedFile), day)
	if err != nil {
		return fmt.Errorf("seed orders for %s: %w", day, err)
	}
	fmt.Fprintf(out, "    seed    | %d sample orders on %s (%s; fixed ids, so a rerun adds none)\n", n, day, SeedFile)
	return nil
}

// migrateUp applies c's migrations to the local database of shared.
func migrateUp(ctx context.Context, p *project, c *graph.Component, shared components.Shared, w io.Writer) error {
	set, err := dbmigrate.Set(p.ws, c)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", c.Name, err)
	}
	cfg, err := dbconf.FromShared(c.Name, shared, p.ws.Root)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", c.Name, err)
	}
	req := dbmigrate.Request{Action: dbmigrate.Up, Env: config.Local, Set: set, DB: cfg, Out: w, Log: w}
	if err := dbmigrate.Run(ctx, req); err != nil {
		return fmt.Errorf("migrate %s: %w", c.Name, err)
	}
	return nil
}

// openLocal opens the local orders database as the jobs see it.
func (d Deps) openLocal(ctx context.Context, p *project, environ []string) (*db.DB, error) {
	shared, err := d.WithEnviron(environ).Shared(ctx, p.ws, config.Local)
	if err != nil {
		return nil, err
	}
	cfg, err := dbconf.FromShared("orders", shared, p.ws.Root)
	if err != nil {
		return nil, err
	}
	return db.Open(ctx, cfg)
}

func (d Deps) printDailySales(ctx context.Context, p *project, environ []string, day string, out io.Writer) error {
	conn, err := d.openLocal(ctx, p, environ)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := dailySales(ctx, conn, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\ndaily_sales of %s in %s (%d rows):\n", day, conn.Config().Target(), len(rows))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  DAY\tREGION\tORDERS\tREVENUE")
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d.%02d\n", r.Day, r.Region, r.Orders, r.RevenueCents/100, r.RevenueCents%100)
	}
	return tw.Flush()
}

// runAirflow runs the venv's airflow with args; its output goes to log and,
// line by line, to view (may be nil).
func runAirflow(ctx context.Context, env *pyenv.Env, dir string, environ []string, log io.Writer, view *runView, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.Bin("airflow"), args...)
	cmd.Dir = dir
	cmd.Env = environ
	cmd.WaitDelay = 10 * time.Second
	if view == nil {
		cmd.Stdout, cmd.Stderr = log, log
		return cmd.Run()
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			view.line(sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Wait()
	pw.Close()
	wg.Wait()
	return err
}

// runView shows the interesting lines of an airflow dags test: the jobs'
// log lines (a LocalJobOperator prefixes them with the job's name), task
// starts and ends, state changes and errors.
type runView struct {
	w       io.Writer
	verbose bool
	res     *TestResult
	mu      sync.Mutex
	jobLine *regexp.Regexp
	events  []event
	errLine *regexp.Regexp
}

// event turns an Airflow line into a short one.
type event struct {
	re     *regexp.Regexp
	format string // with the first submatch
}

func newRunView(w io.Writer, verbose bool, res *TestResult) *runView {
	return &runView{
		w: w, verbose: verbose, res: res,
		jobLine: regexp.MustCompile(`\] ([a-z0-9-]+) \| (.*?) \[airflow\.task`),
		events: []event{
			{regexp.MustCompile(`\[DAG TEST\] starting task_id=(\S+)`), "task %s started"},
			{regexp.MustCompile(`\[DAG TEST\] end task task_id=(\S+)`), "task %s ended"},
			{regexp.MustCompile(`Task instance state updated .*new_state=(\w+)`), "task state: %s"},
			{regexp.MustCompile(`Marking run <DagRun .*> (successful|failed)`), "run %s"},
		},
		errLine: regexp.MustCompile(`\[error\s*\]|Traceback|Error: `),
	}
}

func (v *runView) line(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if m := v.jobLine.FindStringSubmatch(s); m != nil {
		job, text := m[1], m[2]
		var rec map[string]any
		if json.Unmarshal([]byte(text), &rec) == nil {
			if rec["msg"] == "summary" {
				v.res.byJob[job] = rec
				v.res.Jobs = append(v.res.Jobs, jobRun(job, rec))
			}
			text = compact(rec)
		}
		fmt.Fprintf(v.w, "    %s | %s\n", job, text)
		return
	}
	if v.verbose {
		fmt.Fprintf(v.w, "    %s\n", s)
		return
	}
	for _, e := range v.events {
		if m := e.re.FindStringSubmatch(s); m != nil {
			fmt.Fprintf(v.w, "    airflow | "+e.format+"\n", m[1])
			return
		}
	}
	if v.errLine.MatchString(s) {
		fmt.Fprintf(v.w, "    airflow | %s\n", shorten(s))
	}
}

// compact renders a JSON log record as "LEVEL msg key=value ...".
func compact(rec map[string]any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %v", rec["level"], rec["msg"])
	for _, k := range []string{"day", "regions", "orders", "revenue_cents", "rows_written", "orders_read", "outcome", "exit_code", "deleted", "kept", "err"} {
		if v, ok := rec[k]; ok {
			fmt.Fprintf(&b, " %s=%v", k, v)
		}
	}
	return b.String()
}

func jobRun(job string, rec map[string]any) JobRun {
	r := JobRun{Job: job, Fields: rec}
	r.Outcome, _ = rec["outcome"].(string)
	r.RowsWritten, _ = rec["rows_written"].(float64)
	return r
}

// shorten drops the timestamp and Airflow's logger suffix of a line.
func shorten(s string) string {
	if i := strings.Index(s, "Z ["); i > 0 && i < 40 {
		s = s[i+2:]
	}
	if i := strings.LastIndex(s, " [airflow."); i > 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

func printJobs(w io.Writer, r *TestResult) {
	if len(r.Jobs) == 0 {
		fmt.Fprintln(w, "no job ran")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tOUTCOME\tSUMMARY")
	for _, j := range r.Jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", j.Job, j.Outcome, compact(j.Fields))
	}
	_ = tw.Flush()
	for _, j := range r.Jobs {
		keys, _ := j.Fields["exports"].([]any)
		if len(keys) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s wrote to the blob store %v:\n", j.Job, j.Fields["export_store"])
		for _, k := range keys {
			fmt.Fprintf(w, "  %v\n", k)
		}
	}
}

func printTail(w io.Writer, file string, n int) {
	data, err := os.ReadFile(file)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	fmt.Fprintln(w, "Last lines:")
	for _, l := range lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

func relTo(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

// prefixWriter prefixes each line written to it.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}
