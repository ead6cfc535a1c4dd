// Package infracmd implements `mono infra`: plan and apply an environment's
// Terraform stack (the environment root infrastructure/live with the
// environment's backend and variable files; prod only from a saved,
// confirmed plan), check the Terraform code with every static check
// that runs without providers, and regenerate the module READMEs.
package infracmd

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/tfcheck"
	"github.com/acme/platform/build/internal/workspace"
)

// ProtectedEnv is the environment that is applied only from a saved plan
// after explicit confirmation.
const ProtectedEnv = cli.ProtectedEnv

// Options are the flags of the infra commands.
type Options struct {
	Env   string
	Stack string
	// Plan is the saved plan file (plan: where to write it; apply: what to
	// apply). Empty means .mono/infra/<env>-<stack>.tfplan.
	Plan string
	// YesIMeanProd confirms a prod apply without a terminal (CI after its
	// approval step).
	YesIMeanProd bool
	JSON         bool
}

// NewCommand returns `mono infra` with its subcommands.
func NewCommand(deps cli.Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infra",
		Short: "Plan, apply and check the Terraform infrastructure",
		Long: `Work with the Terraform code under infrastructure/: modules/, the environment
root live/ (one set of .tf files for every environment; its stacks are
infra-dev, infra-staging and infra-prod) and bootstrap/ (the state bucket).

plan and apply run terraform in the stack's folder with the environment's
backend file (<env>.backend.hcl: S3 state with native locking) and variable
file (<env>.tfvars), and a working folder of the environment's own
(.terraform/<env>), so that two environments never share an init. prod is applied only from a plan saved by
'mono infra plan --env prod', after you type the environment name, or, where
there is no terminal (CI after its approval step), with --yes-i-mean-prod.

check runs every check that works without cloud access or providers:
module interfaces, typed and described variables, cost-allocation tags,
ssm:// names against the discovery module, each environment's variable and
backend file and the staging and prod posture, terraform fmt, tflint, checkov
(once per environment, with its variables) and the README inputs/outputs
(terraform-docs).`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPlanCommand(deps), newApplyCommand(deps), newCheckCommand(deps), newDocsCommand(deps))
	return cmd
}

func addTarget(cmd *cobra.Command, o *Options, envRequired bool) {
	cmd.Flags().StringVar(&o.Env, "env", "", "environment (dev, staging, prod)")
	cmd.Flags().StringVar(&o.Stack, "stack", "", "stack: infra-<name>, <name> or its folder (default: the environment's stack of the root live/)")
	if envRequired {
		_ = cmd.MarkFlagRequired("env")
	}
}

func newPlanCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "plan --env E [--stack S]",
		Short: "terraform init + plan for an environment, saving the plan",
		Example: `  mono infra plan --env dev
  mono infra plan --env prod                 # then: mono infra apply --env prod
  mono infra plan --env dev --stack bootstrap`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, st, err := prepare(deps, o)
			if err != nil {
				return err
			}
			_, err = r.Plan(cmd.Context(), st, o)
			return err
		},
	}
	addTarget(cmd, &o, true)
	cmd.Flags().StringVar(&o.Plan, "out", "", "where to save the plan (default .mono/infra/<env>-<stack>.tfplan)")
	return cmd
}

func newApplyCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "apply --env E [--stack S] [--plan FILE]",
		Short: "Apply a plan to an environment (prod: only a saved plan, confirmed)",
		Long: `Apply a Terraform plan to an environment.

For dev and staging, without --plan, apply makes a fresh plan and applies
exactly that plan. For prod, apply never plans: it shows the plan saved by
'mono infra plan --env prod' (or --plan FILE), asks you to type "prod", and
applies it. Without a terminal it refuses unless --yes-i-mean-prod is given.`,
		Example: `  mono infra apply --env dev
  mono infra plan --env prod && mono infra apply --env prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, st, err := prepare(deps, o)
			if err != nil {
				return err
			}
			return r.Apply(cmd.Context(), st, o)
		},
	}
	addTarget(cmd, &o, true)
	cmd.Flags().StringVar(&o.Plan, "plan", "", "saved plan to apply (default .mono/infra/<env>-<stack>.tfplan for prod)")
	cmd.Flags().BoolVar(&o.YesIMeanProd, "yes-i-mean-prod", false, "confirm a prod apply without a terminal (CI after approval)")
	return cmd
}

// Stack is a Terraform root module that mono plans and applies.
type Stack struct {
	Name string // component name, infra-<base>
	Rel  string // folder, slash-separated, relative to the root
	Dir  string // OS path
	// Envs is the environment the stack belongs to; empty means any (bootstrap).
	Envs []string
}

// prepare loads the workspace and resolves the stack of o.
func prepare(deps cli.Deps, o Options) (*Runner, *Stack, error) {
	ws, g, err := deps.Graph()
	if err != nil {
		return nil, nil, err
	}
	st, err := ResolveStack(ws, g, o.Env, o.Stack)
	if err != nil {
		return nil, nil, err
	}
	return NewRunner(deps, ws.Root), st, nil
}

// ResolveStack finds the stack to run for env: the one named by stack, or
// the environment's own root.
func ResolveStack(ws *workspace.Workspace, g *graph.Graph, env, stack string) (*Stack, error) {
	if !ws.ValidEnv(env) {
		return nil, cli.Usagef("--env: unknown environment %q (environments: %s)", env, strings.Join(ws.Settings.Environments, ", "))
	}
	found, names := lookupStack(g, env, stack)
	if found == nil {
		if stack == "" {
			return nil, cli.Usagef("environment %s has no Terraform stack (no infrastructure/%s/%s); stacks: %s", env, tfcheck.LiveDir, tfcheck.VarFile(env), strings.Join(names, ", "))
		}
		return nil, cli.Usagef("--stack: unknown stack %q (stacks: %s)", stack, strings.Join(names, ", "))
	}
	if len(found.Deploy.Envs) > 0 && !contains(found.Deploy.Envs, env) {
		return nil, cli.Usagef("stack %s belongs to %s, not %s", found.Name, strings.Join(found.Deploy.Envs, ", "), env)
	}
	st := &Stack{Name: found.Name, Rel: found.Dir, Dir: ws.Path(found.Dir), Envs: found.Deploy.Envs}
	for _, f := range []string{tfcheck.VarFile(env), tfcheck.BackendFile(env)} {
		if _, err := os.Stat(ws.Path(found.Dir + "/" + f)); err != nil {
			return nil, cli.Exit(cli.ExitConfig, fmt.Errorf("%s has no %s: each stack keeps the variables and the backend of an environment in <env>.tfvars and <env>.backend.hcl", found.Dir, f))
		}
	}
	return st, nil
}

// lookupStack returns the stack named stack (by component name, name
// without infra-, folder or folder name; of the stacks sharing a folder, the
// one of env) or, when stack is empty, the stack of env; and the names of all
// stacks.
func lookupStack(g *graph.Graph, env, stack string) (*graph.Component, []string) {
	var stacks []*graph.Component
	for _, c := range g.Components() {
		if c.Kind == graph.TerraformStack {
			stacks = append(stacks, c)
		}
	}
	sort.Slice(stacks, func(i, j int) bool { return stacks[i].Name < stacks[j].Name })
	names := make([]string, len(stacks))
	for i, c := range stacks {
		names[i] = c.Name
	}
	ofEnv := func(c *graph.Component) bool { return len(c.Deploy.Envs) == 1 && c.Deploy.Envs[0] == env }
	var byFolder []*graph.Component
	for _, c := range stacks {
		if stack == "" && ofEnv(c) {
			return c, names
		}
		if stack != "" && (stack == c.Name || "infra-"+stack == c.Name) {
			return c, names
		}
		if stack != "" && (strings.TrimSuffix(stack, "/") == c.Dir || stack == path.Base(c.Dir)) {
			byFolder = append(byFolder, c)
		}
	}
	for _, c := range byFolder {
		if len(byFolder) == 1 || ofEnv(c) {
			return c, names
		}
	}
	return nil, names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
