package deploycmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/helmdeploy"
	"github.com/acme/platform/build/internal/release"
	"github.com/acme/platform/build/internal/workspace"
)

// StatusOptions are the flags of mono deploy status.
type StatusOptions struct {
	Env        string
	Kubeconfig string
	// Main is the revision drift is measured against (main).
	Main string
	JSON bool
}

// Drift says how a deployed revision relates to main.
type Drift string

// The drifts.
const (
	DriftCurrent  Drift = "current"         // the deployed revision is main
	DriftSame     Drift = "no-change-since" // behind main, but main changed nothing of the component
	DriftBehind   Drift = "changed-since"   // main changed the component since the deployed revision
	DriftUnknown  Drift = "unknown"         // the deployed revision is not in this repository
	DriftNotThere Drift = "not-deployed"    // no release
)

// ComponentStatus is one line of mono deploy status.
type ComponentStatus struct {
	Component string `json:"component"`
	helmdeploy.State
	Drift Drift `json:"drift"`
}

// StatusReport is what mono deploy status --json prints.
type StatusReport struct {
	Env        string            `json:"env"`
	Namespace  string            `json:"namespace"`
	Main       string            `json:"main"`
	MainCommit string            `json:"mainCommit"`
	Components []ComponentStatus `json:"components"`
}

func newStatusCommand(deps cli.Deps) *cobra.Command {
	o := StatusOptions{Main: "main"}
	cmd := &cobra.Command{
		Use:   "status --env E",
		Short: "What runs in an environment, from which commit, and its drift from main",
		Long: `For every program of the environment: the Helm release revision and status,
the chart version, the git revision and image (digest) deployed, the ready
replicas, and the drift from main: current (deployed from main's commit),
no-change-since (another commit, but nothing the program is built or
configured from differs between it and main; see mono affected),
changed-since, unknown (a commit not in this repository) or not-deployed.`,
		Example: `  mono deploy status --env ci
  mono deploy status --env prod --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Status(cmd.Context(), deps, o)
		},
	}
	cmd.Flags().StringVar(&o.Env, "env", "", "environment (required)")
	cmd.Flags().StringVar(&o.Main, "main", "main", "the revision drift is measured against")
	addCluster(cmd.Flags(), &o.Kubeconfig, nil, nil)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for machines")
	_ = cmd.MarkFlagRequired("env")
	return cmd
}

// Status runs mono deploy status.
func Status(ctx context.Context, deps cli.Deps, o StatusOptions) error {
	ws, g, err := deps.Graph()
	if err != nil {
		return err
	}
	if !ws.ValidEnv(o.Env) {
		return cli.Usagef("--env: unknown environment %q", o.Env)
	}
	plan, err := release.Build(ws.Root, o.Env, release.Options{})
	if err != nil {
		return err
	}
	repo, err := gitx.Open(ctx, ws.Root)
	if err != nil {
		return cli.Exit(cli.ExitGit, err)
	}
	mainCommit, err := repo.Resolve(ctx, o.Main)
	if err != nil {
		return cli.Exit(cli.ExitGit, err)
	}
	client, err := connect(deps, o.Kubeconfig, plan)
	if err != nil {
		return err
	}
	names := make([]string, len(plan.Releases))
	for i, r := range plan.Releases {
		names[i] = r.Name
	}
	states, err := client.Status(ctx, names)
	if err != nil {
		return err
	}
	rep := StatusReport{Env: plan.Env, Namespace: plan.Namespace, Main: o.Main, MainCommit: mainCommit}
	// One affected computation per deployed revision.
	changed := map[string][]string{}
	for i, st := range states {
		comp := plan.Releases[i].Component
		cs := ComponentStatus{Component: comp, State: st, Drift: DriftNotThere}
		switch {
		case !st.Installed:
		case st.GitRevision == mainCommit:
			cs.Drift = DriftCurrent
		default:
			hit, seen := changed[st.GitRevision]
			if !seen {
				hit = changedSince(ctx, ws, g, st.GitRevision, mainCommit)
				changed[st.GitRevision] = hit
			}
			switch {
			case hit == nil:
				cs.Drift = DriftUnknown
			case slices.Contains(hit, comp):
				cs.Drift = DriftBehind
			default:
				cs.Drift = DriftSame
			}
		}
		rep.Components = append(rep.Components, cs)
	}
	if o.JSON {
		return cli.WriteJSON(deps.IO.Out, rep)
	}
	printStatus(deps.IO.Out, rep)
	return nil
}

// changedSince lists the components that differ between rev and main
// (nil: git cannot compare them, e.g. rev is not in this repository).
func changedSince(ctx context.Context, ws *workspace.Workspace, g *graph.Graph, rev, main string) []string {
	if rev == "" {
		return nil
	}
	// Both ways: what main changed since rev, and what rev (deployed from
	// a branch) has that main has not.
	var out []string
	for _, o := range []affected.Options{{Base: rev, Head: main}, {Base: main, Head: rev}} {
		res, err := affected.Compute(ctx, ws, g, o)
		if err != nil {
			return nil
		}
		out = append(out, res.Names("")...)
	}
	return nonNil(out)
}

func printStatus(w io.Writer, rep StatusReport) {
	fmt.Fprintf(w, "env %s, namespace %s, %s at %s\n", rep.Env, rep.Namespace, rep.Main, short(rep.MainCommit))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tREVISION\tSTATUS\tCHART\tGIT\tIMAGE\tREADY\tUPDATED\tDRIFT")
	for _, c := range rep.Components {
		if !c.Installed {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t%s\n", c.Component, c.Drift)
			continue
		}
		img := c.Image
		if c.Digest != "" {
			img = c.Digest
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", c.Component, strconv.Itoa(c.Revision), c.Status, c.Chart,
			short(c.GitRevision), img, c.Ready, c.Desired, c.Updated.UTC().Format(time.RFC3339), c.Drift)
	}
	_ = tw.Flush()
}

// RollbackOptions are the arguments and flags of mono rollback.
type RollbackOptions struct {
	Env          string
	Component    string
	Revision     int // 0: the previous successful revision
	Kubeconfig   string
	Timeout      time.Duration
	YesIMeanProd bool
	JSON         bool
}

// RollbackResult is what mono rollback --json prints.
type RollbackResult struct {
	Env       string `json:"env"`
	Component string `json:"component"`
	Release   string `json:"release"`
	// To is the revision rolled back to; Revision the new revision it runs as.
	To       int                   `json:"to"`
	Revision int                   `json:"revision"`
	History  []helmdeploy.Revision `json:"history"`
}

// NewRollbackCommand returns `mono rollback`.
func NewRollbackCommand(deps cli.Deps) *cobra.Command {
	o := RollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback --env E COMPONENT [REVISION]",
		Short: "Run an earlier revision of a program's release again",
		Long: `Roll a program's Helm release back to REVISION (default: the newest
successful revision before the one running now; see the history mono prints,
or helm history), and wait until it is Ready. A rollback is a new revision
with the old manifests. prod needs you to type "prod" (or --yes-i-mean-prod
without a terminal).`,
		Example: `  mono rollback --env dev orders-api
  mono rollback --env prod orders-api 12 --yes-i-mean-prod`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Component = args[0]
			if len(args) == 2 {
				n, err := strconv.Atoi(args[1])
				if err != nil || n <= 0 {
					return cli.Usagef("REVISION: want a positive revision number, got %q", args[1])
				}
				o.Revision = n
			}
			return Rollback(cmd.Context(), deps, o)
		},
	}
	cmd.Flags().StringVar(&o.Env, "env", "", "environment (required)")
	addCluster(cmd.Flags(), &o.Kubeconfig, &o.Timeout, &o.YesIMeanProd)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for machines")
	_ = cmd.MarkFlagRequired("env")
	return cmd
}

// Rollback runs mono rollback.
func Rollback(ctx context.Context, deps cli.Deps, o RollbackOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	ws, err := deps.Workspace()
	if err != nil {
		return err
	}
	if !ws.ValidEnv(o.Env) {
		return cli.Usagef("--env: unknown environment %q", o.Env)
	}
	plan, err := release.Build(ws.Root, o.Env, release.Options{Components: []string{o.Component}})
	if err != nil {
		return err
	}
	r := plan.Releases[0]
	terminal := cli.IsTerminal(deps.IO.In)
	if plan.Env == cli.ProtectedEnv && !terminal && !o.YesIMeanProd {
		// Refuse before the cluster is asked anything.
		return cli.ConfirmEnv(deps.IO, false, "rollback", "the rollback of "+r.Name, plan.Env, false)
	}
	client, err := connect(deps, o.Kubeconfig, plan)
	if err != nil {
		return err
	}
	hist, err := client.History(r.Name)
	if err != nil {
		return cli.Exit(cli.ExitFailed, err)
	}
	if plan.Env == cli.ProtectedEnv {
		printHistory(deps.IO.ErrOut, hist)
		what := fmt.Sprintf("the rollback of %s to revision %d", r.Name, o.Revision)
		if o.Revision == 0 {
			what = fmt.Sprintf("the rollback of %s to its previous revision", r.Name)
		}
		if err := cli.ConfirmEnv(deps.IO, terminal, "rollback", what, plan.Env, o.YesIMeanProd); err != nil {
			return err
		}
	}
	fmt.Fprintf(deps.IO.ErrOut, "rollback: %s in %s: rolling back and waiting up to %s\n", r.Name, plan.Namespace, o.Timeout)
	start := time.Now()
	to, rev, err := client.Rollback(ctx, r.Name, o.Revision, o.Timeout)
	if err != nil {
		var re *helmdeploy.RolloutError
		if errors.As(err, &re) && re.Diagnosis != "" {
			fmt.Fprint(deps.IO.ErrOut, re.Diagnosis)
		}
		return cli.Exit(cli.ExitFailed, err)
	}
	if hist, err = client.History(r.Name); err != nil {
		return err
	}
	fmt.Fprintf(deps.IO.ErrOut, "rollback: %s: ready in %.1fs (revision %d)\n", r.Name, time.Since(start).Seconds(), rev)
	if o.JSON {
		return cli.WriteJSON(deps.IO.Out, RollbackResult{Env: plan.Env, Component: r.Component, Release: r.Name, To: to, Revision: rev, History: hist})
	}
	printHistory(deps.IO.Out, hist)
	return nil
}

func printHistory(w io.Writer, hist []helmdeploy.Revision) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tSTATUS\tGIT\tUPDATED\tDESCRIPTION")
	for _, h := range hist {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", h.Revision, h.Status, short(h.GitRevision), h.Updated.UTC().Format(time.RFC3339), h.Description)
	}
	_ = tw.Flush()
}
