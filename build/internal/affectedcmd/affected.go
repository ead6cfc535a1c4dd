// Package affectedcmd implements `mono affected`: the components a change
// touches.
package affectedcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// Options are the flags of mono affected.
type Options struct {
	Base    string
	Head    string
	JSON    bool
	Explain bool
	// Target keeps only the components whose task of that target the
	// change affects.
	Target string
}

// NewCommand returns the affected command.
func NewCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "affected --base REF [--head REF]",
		Short: "List the components a change affects",
		Long: `List the components affected by the change from --base to --head: the
components owning the changed files and, transitively, every component that
depends on them. Without --head the work tree is compared, uncommitted and
untracked files included.

The change is measured from the merge-base of --base and the head (HEAD
for the work tree), where the branch left --base, as git diff A...B does:
commits made on --base after that are not counted. --base A...B compares
the merge-base of A and B with B (no --head then). --explain and --json
say which base commit was used.

Global inputs are read precisely:
  go.mod, go.sum          only importers of modules whose version or checksum
                          changed (through the module graph for indirect ones)
  package-lock.json       only workspaces whose resolved packages changed
  config/base.yaml,       compared by section: a component's section reaches
  config/<env>.yaml       that component; the shared section reaches every
                          component deployed to the environment
  global inputs           (mono.yaml globalInputs: Makefile, hack/**, .ci/**,
                          mono.yaml) only the tasks that declare them in
                          their globalInputs, not their dependents
Changed files that no component owns are listed separately.

Edges are typed: a Go import found only in _test.go files is a test-only
edge. A change that reaches a component only through one affects its test
target alone ("(test only)" with --explain, "testOnly": true in JSON),
and goes no further. --target lint (or build, ...) leaves such components
out; --target test keeps them.

The component graph is read from the work tree.`,
		Example: `  mono affected --base origin/main
  mono affected --base HEAD~1 --head HEAD --json
  mono affected --base main --explain
  mono affected --base origin/main...HEAD~2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Base == "" {
				return cli.Usagef("--base is required: the revision to compare with, e.g. --base origin/main")
			}
			ws, err := deps.Workspace()
			if err != nil {
				return err
			}
			res, err := Compute(cmd.Context(), ws, affected.Options{Base: o.Base, Head: o.Head})
			if err != nil {
				return err
			}
			return Print(deps.IO.Out, deps.IO.ErrOut, res, o)
		},
	}
	cmd.Flags().StringVar(&o.Base, "base", "", "revision to compare from (branch, tag or commit; its merge-base with the head is used), or A...B")
	cmd.Flags().StringVar(&o.Head, "head", "", "revision with the change (default: the work tree)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for machines")
	cmd.Flags().StringVar(&o.Target, "target", "", "only components whose task of this target is affected (lint, build, test, ...)")
	cmd.Flags().BoolVar(&o.Explain, "explain", false, "say for each component which file reached it and through which path")
	return cmd
}

// Compute runs the git side (revisions, changed files) while discovery
// walks the tree, then applies the rules.
func Compute(ctx context.Context, ws *workspace.Workspace, opts affected.Options) (*affected.Result, error) {
	type changes struct {
		ch  *affected.Change
		err error
	}
	done := make(chan changes, 1)
	go func() {
		ch, err := affected.Changes(ctx, ws, opts)
		done <- changes{ch, err}
	}()
	g, err := discover.Discover(ws)
	c := <-done
	if err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, ExitErr(c.err)
	}
	return affected.FromFiles(ctx, ws, g, c.ch)
}

// ExitErr gives errors of reading --base and --head their exit code: a
// git problem or a bad revision is ExitGit, --base A...B with --head a
// usage error. mono run --affected uses it too.
func ExitErr(err error) error {
	switch {
	case errors.Is(err, affected.ErrRange):
		return cli.Exit(cli.ExitUsage, err)
	case errors.Is(err, gitx.ErrBadRef), errors.Is(err, gitx.ErrNoMergeBase), errors.Is(err, gitx.ErrNotRepo), errors.Is(err, gitx.ErrNoGit):
		return cli.Exit(cli.ExitGit, err)
	}
	return err
}

// Print writes the result for people (or as JSON) to w; for people, the
// files no component owns go to errw so that w stays a plain list.
func Print(w, errw io.Writer, res *affected.Result, o Options) error {
	if o.Target != "" {
		kept := *res
		kept.Affected = make([]affected.Item, 0, len(res.Affected))
		for _, it := range res.Affected {
			if it.Affects(o.Target) {
				kept.Affected = append(kept.Affected, it)
			}
		}
		res = &kept
	}
	if o.JSON {
		return cli.WriteJSON(w, res)
	}
	if o.Explain {
		fmt.Fprintln(w, res.BaseUsed.Describe())
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, it := range res.Affected {
			why := it.Reason.Explain()
			switch {
			case len(it.Targets) == 0, it.Reason.Rule == affected.RuleGlobal && !it.TestOnly:
				// every target, or the reason names the targets
			case len(it.Targets) == 1 && it.Targets[0] == graph.TestTarget:
				why += " (test only)"
			default:
				why += " (only " + strings.Join(it.Targets, ", ") + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", it.Name, it.Kind, why)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	} else {
		for _, it := range res.Affected {
			fmt.Fprintln(w, it.Name)
		}
	}
	if len(res.Unowned) > 0 {
		fmt.Fprintf(errw, "changed files owned by no component (%d):\n", len(res.Unowned))
		for _, f := range res.Unowned {
			fmt.Fprintf(errw, "  %s\n", f)
		}
	}
	return nil
}
