// Package complete gives mono's shell completion its candidates: component
// names, targets, environments, kinds and git refs. Each one is read from
// the workspace on the spot (discovery, mono.yaml, git for-each-ref): no
// network, no builds, no files written.
package complete

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/task"
)

// gitTimeout bounds the one git command a ref completion runs.
const gitTimeout = 2 * time.Second

// Func is a cobra completion function.
type Func = cobra.CompletionFunc

// Register adds completion to every command under root by what its flags
// and arguments mean:
//
//	--env                      environments of mono.yaml
//	--base, --head             git refs (A...B on --base completes B)
//	--component/-c, --focus    component names
//	--stack                    Terraform stacks (components of kind terraform-stack)
//	--target                   targets (task names of the workspace)
//	--kind                     component kinds
//	--date                     days (2006-01-02, UTC): today and the six before
//	mono run TARGET COMP...    targets, then the components with that target
//	mono why A B               component names
//	mono image build COMP...   component names
//
// A flag or command that already has a completion keeps it.
func Register(root *cobra.Command, deps cli.Deps) {
	byFlag := map[string]Func{
		"env":       Environments(deps),
		"base":      Refs(deps),
		"head":      Refs(deps),
		"component": Components(deps),
		"focus":     Components(deps),
		"stack":     Stacks(deps),
		"target":    Targets(deps),
		"kind":      Kinds,
		"date":      Dates(time.Now),
	}
	byPath := map[string]Func{
		"mono run":         Run(deps),
		"mono why":         upTo(2, Components(deps)),
		"mono image build": Components(deps),
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		seen := map[*pflag.Flag]bool{}
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				fn, ok := byFlag[f.Name]
				if !ok || seen[f] {
					return
				}
				seen[f] = true
				if _, has := c.GetFlagCompletionFunc(f.Name); !has {
					_ = c.RegisterFlagCompletionFunc(f.Name, fn)
				}
			})
		}
		if fn, ok := byPath[c.CommandPath()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = fn
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// Components completes component names, leaving out those already given
// as arguments.
func Components(deps cli.Deps) Func {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		_, g, err := deps.Graph()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return match(g.Names(), args, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Stacks completes the names of the Terraform stacks (mono infra --stack).
func Stacks(deps cli.Deps) Func {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		_, g, err := deps.Graph()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		for _, c := range g.Components() {
			if c.Kind == graph.TerraformStack {
				names = append(names, c.Name)
			}
		}
		return match(names, nil, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Targets completes the targets any component of the workspace has: the
// built-in tasks of its kind, mono.yaml's and component.yaml's.
func Targets(deps cli.Deps) Func {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ws, g, err := deps.Graph()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		targets, err := task.NewResolver(ws).Targets(g.Components())
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return match(targets, nil, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Run completes `mono run TARGET [COMPONENT...]`: a target first, then the
// components that have a task of that target.
func Run(deps cli.Deps) Func {
	targets := Targets(deps)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return targets(cmd, args, toComplete)
		}
		ws, g, err := deps.Graph()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		r := task.NewResolver(ws)
		var names []string
		for _, c := range g.Components() {
			if _, ok, err := r.Resolve(c, args[0]); err == nil && ok {
				names = append(names, c.Name)
			}
		}
		return match(names, args[1:], toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Environments completes the environments mono.yaml declares.
func Environments(deps cli.Deps) Func {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ws, err := deps.Workspace()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return match(ws.Settings.Environments, nil, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Refs completes git revisions: HEAD, branches, tags and remote branches
// of the local repository (no fetch). After "A..." it completes B.
func Refs(deps cli.Deps) Func {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx := context.Background()
		if cmd != nil && cmd.Context() != nil {
			ctx = cmd.Context()
		}
		ctx, cancel := context.WithTimeout(ctx, gitTimeout)
		defer cancel()
		refs, err := (&gitx.Repo{Dir: deps.Dir}).Refs(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		prefix := ""
		if i := strings.Index(toComplete, "..."); i >= 0 {
			prefix, toComplete = toComplete[:i+3], toComplete[i+3:]
		}
		out := match(refs, nil, toComplete)
		for i := range out {
			out[i] = prefix + out[i]
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// Kinds completes component kinds.
func Kinds(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	kinds := make([]string, len(graph.Kinds))
	for i, k := range graph.Kinds {
		kinds[i] = string(k)
	}
	return match(kinds, nil, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// dateDays is how many days Dates offers, today included.
const dateDays = 7

// Dates completes a day flag (mono dags test --date): today and the days
// before it in UTC, newest first, as 2006-01-02.
func Dates(now func() time.Time) Func {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		today := now().UTC()
		days := make([]string, dateDays)
		for i := range days {
			days[i] = today.AddDate(0, 0, -i).Format(time.DateOnly)
		}
		return match(days, nil, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// List completes a comma-separated list flag (mono dev --only a,b) with
// the candidates names returns: the item after the last comma, leaving out
// the items already given, each candidate with the given items in front.
func List(names func() ([]string, error)) Func {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		candidates, err := names()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		given, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			given, last = toComplete[:i+1], toComplete[i+1:]
		}
		out := match(candidates, strings.Split(given, ","), last)
		for i := range out {
			out[i] = given + out[i]
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// upTo completes with fn while fewer than n arguments are given.
func upTo(n int, fn Func) Func {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, toComplete)
	}
}

// match returns the candidates that start with prefix and are not in given.
func match(candidates, given []string, prefix string) []string {
	out := []string{}
	for _, c := range candidates {
		if strings.HasPrefix(c, prefix) && !slices.Contains(given, c) {
			out = append(out, c)
		}
	}
	return out
}
