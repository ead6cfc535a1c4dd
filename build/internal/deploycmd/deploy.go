// Package deploycmd implements `mono deploy` (install or upgrade the Helm
// releases of an environment's programs, atomically, in graph order),
// `mono deploy status` (what runs where, from which commit, and how far it
// is from main) and `mono rollback`. build/internal/release makes the plan
// (which releases, with which values); build/internal/helmdeploy applies
// it through the Helm SDK.
package deploycmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/helmdeploy"
	"github.com/acme/platform/build/internal/imagebuild"
	"github.com/acme/platform/build/internal/release"
	"github.com/acme/platform/build/internal/workspace"
)

// DefaultTimeout bounds each release: hooks, apply and readiness.
const DefaultTimeout = 5 * time.Minute

// Options are the flags of mono deploy.
type Options struct {
	Env        string
	Components []string
	Affected   bool
	Base       string
	DryRun     bool
	Diff       bool
	Tag        string
	Kubeconfig string
	Timeout    time.Duration
	Parallel   int
	// YesIMeanProd confirms a prod deploy without a terminal.
	YesIMeanProd bool
	JSON         bool
}

// NewCommand returns `mono deploy` with its status subcommand.
func NewCommand(deps cli.Deps) *cobra.Command {
	o := Options{Timeout: DefaultTimeout}
	cmd := &cobra.Command{
		Use:   "deploy --env E [COMPONENT...|--affected --base REF] [--dry-run|--diff]",
		Short: "Install or upgrade the programs of an environment (Helm, atomic, in graph order)",
		Long: `Deploy the programs of an environment: one Helm release of the generic chart
deploy/charts/app per program, with values composed from its component.yaml,
config/<env>.yaml and deploy/envs/<env>.yaml (see docs/deploy.md).

Before anything is applied, the whole plan is built and every release is
rendered: an unknown environment, component or tag, or values that break the
chart's schema, fail here and nothing changes.

Each release is an upgrade --install through the Helm SDK that waits until
its objects are Ready (the migration Job, a pre-upgrade hook, runs and
completes before the new pods). A release whose rollout fails within
--timeout is rolled back to its previous revision (a failed first install is
removed), the events and pod conditions of the failing objects are printed,
its dependents are skipped and mono exits 1. Releases that need nothing from
each other deploy in parallel; a program deploys after the programs it needs
(graph edges) are Ready. A release whose rendered manifests equal its
deployed revision is left alone: no new revision ("unchanged").

Every revision records the git revision and the image (with its digest when
known) on its chart annotations; mono deploy status reads them back.

--dry-run needs no cluster: it prints the plan. --diff prints the unified
diff between the deployed revision and what would be deployed. The cluster
is the kubeconfig of --kubeconfig, else $KUBECONFIG, else ~/.kube/config,
at the context named in deploy/envs/<env>.yaml (else the current one).
prod needs you to type "prod" (or --yes-i-mean-prod without a terminal).`,
		Example: `  mono deploy --env ci --dry-run
  mono deploy --env dev
  mono deploy --env staging orders-api --tag 3f2c1e0
  mono deploy --env dev --affected --base origin/main
  mono deploy --env prod --diff`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Components = args
			return Deploy(cmd.Context(), deps, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Env, "env", "", "environment (required)")
	f.BoolVar(&o.Affected, "affected", false, "deploy only the programs affected by the change from --base (see mono affected)")
	f.StringVar(&o.Base, "base", "", "with --affected: the revision to compare with, e.g. origin/main")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the plan; needs no cluster")
	f.BoolVar(&o.Diff, "diff", false, "print the diff between the deployed and the new manifests; applies nothing")
	f.StringVar(&o.Tag, "tag", "", "image tag of every program (default: the current git revision)")
	addCluster(f, &o.Kubeconfig, &o.Timeout, &o.YesIMeanProd)
	f.IntVar(&o.Parallel, "parallel", 0, "releases in flight at once (default: no limit)")
	f.BoolVar(&o.JSON, "json", false, "print JSON for machines")
	_ = cmd.MarkFlagRequired("env")
	cmd.AddCommand(newStatusCommand(deps))
	return cmd
}

type flagSet interface {
	StringVar(p *string, name, value, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
	BoolVar(p *bool, name string, value bool, usage string)
}

func addCluster(f flagSet, kubeconfig *string, timeout *time.Duration, yes *bool) {
	f.StringVar(kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	if timeout != nil {
		f.DurationVar(timeout, "timeout", DefaultTimeout, "how long each release may take to become Ready before it is rolled back")
	}
	if yes != nil {
		f.BoolVar(yes, "yes-i-mean-prod", false, "confirm a prod change without a terminal (CI after approval)")
	}
}

// PlannedRelease is one release of a plan as --dry-run prints it.
type PlannedRelease struct {
	Order     int      `json:"order"`
	Component string   `json:"component"`
	Release   string   `json:"release"`
	Chart     string   `json:"chart"`
	Image     string   `json:"image"`
	Needs     []string `json:"needs"`
	// Objects are the templates that render something.
	Objects []string `json:"objects"`
	// Values are the composed values (never a secret value): what helm
	// --values would take.
	Values map[string]any `json:"values"`
}

// PlanView is the plan as --dry-run prints it.
type PlanView struct {
	Env       string           `json:"env"`
	Namespace string           `json:"namespace"`
	Context   string           `json:"context"`
	Revision  string           `json:"revision"`
	Releases  []PlannedRelease `json:"releases"`
}

// Report is what mono deploy --json prints.
type Report struct {
	Env       string              `json:"env"`
	Namespace string              `json:"namespace"`
	Revision  string              `json:"revision"`
	Results   []helmdeploy.Result `json:"results"`
}

// prepared is a plan built, narrowed and rendered: nothing can fail on
// input any more.
type prepared struct {
	ws       *workspace.Workspace
	plan     *release.Plan
	units    []helmdeploy.Unit
	view     PlanView
	revision string
}

// Deploy runs mono deploy.
func Deploy(ctx context.Context, deps cli.Deps, o Options) error {
	if o.DryRun && o.Diff {
		return cli.Usagef("--dry-run and --diff exclude each other: --dry-run prints the plan without a cluster, --diff compares with the cluster")
	}
	if o.Affected && o.Base == "" {
		return cli.Usagef("--affected needs --base: the revision to compare with, e.g. --base origin/main")
	}
	if !o.Affected && o.Base != "" {
		return cli.Usagef("--base only applies with --affected")
	}
	if o.Affected && len(o.Components) > 0 {
		return cli.Usagef("name components or give --affected, not both")
	}
	if o.Timeout <= 0 {
		return cli.Usagef("--timeout must be positive, got %s", o.Timeout)
	}
	p, err := prepare(ctx, deps, o)
	if err != nil {
		return err
	}
	if len(p.units) == 0 {
		fmt.Fprintf(deps.IO.ErrOut, "deploy: nothing to deploy to %s: no program is affected since %s\n", o.Env, o.Base)
		if o.JSON {
			return cli.WriteJSON(deps.IO.Out, p.view)
		}
		return nil
	}
	if o.DryRun {
		if o.JSON {
			return cli.WriteJSON(deps.IO.Out, p.view)
		}
		printPlan(deps.IO.Out, p.view)
		return nil
	}
	if p.plan.Env == cli.ProtectedEnv && !o.Diff {
		printPlan(deps.IO.ErrOut, p.view)
		if err := cli.ConfirmEnv(deps.IO, cli.IsTerminal(deps.IO.In), "deploy", "the releases above", p.plan.Env, o.YesIMeanProd); err != nil {
			return err
		}
	}
	client, err := connect(deps, o.Kubeconfig, p.plan)
	if err != nil {
		return err
	}
	if o.Diff {
		return diff(ctx, deps.IO.Out, client, p.units)
	}
	fmt.Fprintf(deps.IO.ErrOut, "deploy: %d releases to %s (namespace %s, revision %s)\n", len(p.units), p.plan.Env, p.plan.Namespace, short(p.revision))
	results, err := client.Apply(ctx, p.units, helmdeploy.Options{Timeout: o.Timeout, Parallel: o.Parallel, Progress: deps.IO.ErrOut})
	for _, r := range results {
		if r.Diagnosis != "" {
			fmt.Fprintf(deps.IO.ErrOut, "deploy: %s: %s\n%s", r.Component, r.Error, r.Diagnosis)
		}
	}
	if o.JSON {
		if jerr := cli.WriteJSON(deps.IO.Out, Report{Env: p.plan.Env, Namespace: p.plan.Namespace, Revision: p.revision, Results: results}); jerr != nil {
			return jerr
		}
	} else if results != nil {
		printResults(deps.IO.Out, results)
	}
	if errors.Is(err, helmdeploy.ErrFailed) {
		return cli.Exit(cli.ExitFailed, err)
	}
	return err
}

// prepare builds the plan of o, narrows it (--affected) and renders every
// release without a cluster.
func prepare(ctx context.Context, deps cli.Deps, o Options) (*prepared, error) {
	ws, err := deps.Workspace()
	if err != nil {
		return nil, err
	}
	if !ws.ValidEnv(o.Env) {
		return nil, cli.Usagef("--env: unknown environment %q (environments: %s)", o.Env, strings.Join(ws.Settings.Environments, ", "))
	}
	revision := headRevision(ctx, ws.Root)
	tag := o.Tag
	if tag == "" {
		tag = revision
	}
	plan, err := release.Build(ws.Root, o.Env, release.Options{Components: o.Components, Tag: o.Tag, Revision: revision,
		Digests: recordedDigests(ws.Root, ws.Settings.Images, tag)})
	if err != nil {
		return nil, err
	}
	if o.Affected {
		if plan, err = narrow(ctx, deps, plan, o.Base); err != nil {
			return nil, err
		}
	}
	p := &prepared{ws: ws, plan: plan, revision: revision,
		view: PlanView{Env: plan.Env, Namespace: plan.Namespace, Context: plan.Context, Revision: revision, Releases: []PlannedRelease{}}}
	nodes := make([]helmdeploy.Node, len(plan.Releases))
	for i, r := range plan.Releases {
		nodes[i] = helmdeploy.Node{Component: r.Component, Needs: r.Needs}
	}
	waves, err := helmdeploy.Waves(nodes)
	if err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, w := range waves {
		for _, name := range w {
			order[name] = i + 1
		}
	}
	for _, r := range plan.Releases {
		files, err := release.Render(r, plan.Namespace)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", r.Component, err)
		}
		chart := r.Chart
		if rel, err := filepath.Rel(ws.Root, r.Chart); err == nil {
			chart = filepath.ToSlash(rel)
		}
		p.view.Releases = append(p.view.Releases, PlannedRelease{
			Order: order[r.Component], Component: r.Component, Release: r.Name, Chart: chart,
			Image: r.Image.String(), Needs: nonNil(r.Needs), Objects: templates(files), Values: r.Values,
		})
		p.units = append(p.units, helmdeploy.Unit{
			Component: r.Component, Release: r.Name, Chart: r.Chart, Values: r.Values, Needs: r.Needs,
			GitRevision: revision, Image: r.Image.String(), Digest: r.Image.Digest,
		})
	}
	sort.SliceStable(p.view.Releases, func(i, j int) bool {
		a, b := p.view.Releases[i], p.view.Releases[j]
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		return a.Component < b.Component
	})
	return p, nil
}

// narrow keeps the releases of the programs affected since base.
func narrow(ctx context.Context, deps cli.Deps, plan *release.Plan, base string) (*release.Plan, error) {
	ws, g, err := deps.Graph()
	if err != nil {
		return nil, err
	}
	res, err := affected.Compute(ctx, ws, g, affected.Options{Base: base})
	if err != nil {
		return nil, cli.Exit(cli.ExitGit, err)
	}
	hit := res.Names("")
	out := *plan
	out.Releases = nil
	for _, r := range plan.Releases {
		if slices.Contains(hit, r.Component) {
			out.Releases = append(out.Releases, r)
		}
	}
	return &out, nil
}

// templates lists the templates that render something, sorted.
func templates(files map[string]string) []string {
	var out []string
	for path, text := range files {
		if strings.TrimSpace(text) == "" || strings.HasSuffix(path, "NOTES.txt") {
			continue
		}
		out = append(out, filepath.Base(path))
	}
	sort.Strings(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// connect opens the cluster of the plan: --kubeconfig, else $KUBECONFIG,
// else ~/.kube/config (from mono's environment, never the process's), at
// the plan's context.
func connect(deps cli.Deps, flag string, plan *release.Plan) (*helmdeploy.Client, error) {
	var files []string
	switch {
	case flag != "":
		files = []string{flag}
	case deps.Getenv("KUBECONFIG") != "":
		for _, f := range filepath.SplitList(deps.Getenv("KUBECONFIG")) {
			if f != "" {
				files = append(files, f)
			}
		}
	case deps.Getenv("HOME") != "":
		files = []string{filepath.Join(deps.Getenv("HOME"), ".kube", "config")}
	default:
		return nil, cli.Usagef("no kubeconfig: pass --kubeconfig or set KUBECONFIG")
	}
	var found []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			found = append(found, f)
		}
	}
	if len(found) == 0 {
		return nil, cli.Usagef("no kubeconfig at %s: pass --kubeconfig FILE or set KUBECONFIG", strings.Join(files, string(filepath.ListSeparator)))
	}
	c, err := helmdeploy.New(helmdeploy.Target{Kubeconfig: found, Context: plan.Context, Namespace: plan.Namespace}, nil)
	if err != nil {
		return nil, cli.Exit(cli.ExitConfig, err)
	}
	return c, nil
}

func diff(ctx context.Context, out io.Writer, c *helmdeploy.Client, units []helmdeploy.Unit) error {
	for _, u := range units {
		d, err := c.Diff(ctx, u)
		if err != nil {
			return err
		}
		if d == "" {
			fmt.Fprintf(out, "# %s: no change\n", u.Component)
			continue
		}
		fmt.Fprint(out, d)
	}
	return nil
}

func printPlan(w io.Writer, v PlanView) {
	ctxName := v.Context
	if ctxName == "" {
		ctxName = "(current)"
	}
	fmt.Fprintf(w, "env %s, namespace %s, context %s, revision %s\n", v.Env, v.Namespace, ctxName, short(v.Revision))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tCOMPONENT\tCHART\tIMAGE\tNEEDS\tOBJECTS")
	for _, r := range v.Releases {
		needs := strings.Join(r.Needs, ",")
		if needs == "" {
			needs = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", r.Order, r.Component, r.Chart, r.Image, needs, len(r.Objects))
	}
	_ = tw.Flush()
}

func printResults(w io.Writer, results []helmdeploy.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tRESULT\tREVISION\tSECONDS")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\n", r.Component, r.Action, r.Revision, r.Seconds)
	}
	_ = tw.Flush()
}

// headRevision is the commit checked out ("" outside git).
func headRevision(ctx context.Context, root string) string {
	repo, err := gitx.Open(ctx, root)
	if err != nil {
		return ""
	}
	id, err := repo.Resolve(ctx, "HEAD")
	if err != nil {
		return ""
	}
	return id
}

// recordedDigests returns, per component, the index digest that `mono
// image build` recorded for an image tagged tag (a clean build of that
// revision); components without such a record are deployed by tag alone.
func recordedDigests(root string, s workspace.ImageSettings, tag string) map[string]string {
	files, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(s.Dir), "*.json"))
	digests := map[string]string{}
	for _, f := range files {
		img, err := imagebuild.ReadRecord(root, s, strings.TrimSuffix(filepath.Base(f), ".json"))
		if err != nil || img.Dirty || img.Digest == "" || img.Tag != tag {
			continue
		}
		digests[img.Component] = img.Digest
	}
	return digests
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	if rev == "" {
		return "(none)"
	}
	return rev
}
