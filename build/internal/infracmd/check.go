package infracmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/tfcheck"
	"github.com/acme/platform/build/internal/workspace"
)

func newCheckCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "check [--env E] [--stack S]",
		Short: "Run every static check of the Terraform code (no cloud access needed)",
		Long: `Check infrastructure/ without providers or cloud access:

  static      module calls pass only declared variables and all required ones;
              referenced module outputs exist; variables are typed and
              described; every aws provider of a root module sets
              default_tags with the cost-allocation tags; the ssm:// names in
              config/<env>.yaml are published by the discovery module of
              live/ with <env>.tfvars; each <env>.tfvars sets every required
              variable, and staging's and prod's keep their posture
              (Multi-AZ, deletion protection, replication, ...: a violation
              is reported at its line in the file, named by the rule);
              backends use S3 native locking; checkov skips carry an ID and
              a reason
  fmt         terraform fmt -check -recursive
  tflint      the recommended terraform ruleset plus documented/typed/naming
  docs        README inputs/outputs match terraform-docs (fix: mono infra docs)
  checkov     zero failed checks: once over the modules, examples and
              bootstrap, then once per environment over live/ with
              --var-file <env>.tfvars

Each problem is printed as file:line: [check] message; the exit code is 1 when
there is any. --env limits the environment checks to one environment,
--stack the report to one stack and the modules it uses.`,
		Example: `  mono infra check
  mono infra check --env prod --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Check(cmd.Context(), deps, o)
		},
	}
	addTarget(cmd, &o, false)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the findings as JSON")
	return cmd
}

// Check runs every check over the workspace's infrastructure folder and
// prints the findings; it fails (exit 1) when there is any.
func Check(ctx context.Context, deps cli.Deps, o Options) error {
	ws, g, err := deps.Graph()
	if err != nil {
		return err
	}
	tree, err := newTree(ws, o.Env)
	if err != nil {
		return err
	}
	tools, err := findTools(ctx, deps, ws.Root)
	if err != nil {
		return err
	}
	progress := func(step string) { fmt.Fprintf(deps.IO.ErrOut, "infra check: %s\n", step) }
	findings, err := tree.Full(ctx, tools, progress)
	if err != nil {
		return err
	}
	if o.Stack != "" {
		c, names := lookupStack(g, o.Env, o.Stack)
		if c == nil {
			return cli.Usagef("--stack: unknown stack %q (stacks: %s)", o.Stack, strings.Join(names, ", "))
		}
		findings = filterStack(findings, g, c, ws.Settings.ConfigDir)
	}
	if o.JSON {
		if findings == nil {
			findings = []tfcheck.Finding{}
		}
		if err := cli.WriteJSON(deps.IO.Out, findings); err != nil {
			return err
		}
	} else {
		for _, f := range findings {
			fmt.Fprintln(deps.IO.Out, f)
		}
	}
	if len(findings) > 0 {
		return cli.Exit(cli.ExitFailed, fmt.Errorf("infra check: %d problem(s) in %s", len(findings), tfcheck.DefaultDir))
	}
	if !o.JSON {
		fmt.Fprintln(deps.IO.Out, "infra check: ok (static checks, terraform fmt, tflint, terraform-docs, checkov)")
	}
	return nil
}

func newTree(ws *workspace.Workspace, env string) (*tfcheck.Tree, error) {
	if _, err := os.Stat(ws.Path(tfcheck.DefaultDir)); err != nil {
		return nil, cli.Usagef("no %s folder in %s", tfcheck.DefaultDir, ws.Root)
	}
	envs := ws.Settings.Environments
	if env != "" {
		if !ws.ValidEnv(env) {
			return nil, cli.Usagef("--env: unknown environment %q (environments: %s)", env, strings.Join(envs, ", "))
		}
		envs = []string{env}
	}
	return tfcheck.NewTree(ws.Root, tfcheck.DefaultDir, ws.Settings.ConfigDir, envs), nil
}

// findTools locates terraform, tflint and terraform-docs and makes the
// checkov venv; a missing tool is exit code 5 with how to install it.
func findTools(ctx context.Context, deps cli.Deps, root string) (tfcheck.Tools, error) {
	var tools tfcheck.Tools
	var err error
	missing := func(err error) error {
		var me *tfcheck.MissingToolError
		if errors.As(err, &me) {
			return cli.Exit(cli.ExitMissing, err)
		}
		return err
	}
	path := deps.Getenv("PATH")
	if tools.Terraform, err = tfcheck.LookTool(root, "terraform", path); err != nil {
		return tools, missing(err)
	}
	// The pinned Go-built tools build themselves on first use (hack/tools.sh
	// NAME), like the checkov venv, saying so first.
	log := func(s string) { fmt.Fprintln(deps.IO.ErrOut, s) }
	built, err := tfcheck.EnsureTools(ctx, root, path, []string{"tflint", "terraform-docs"}, tfcheck.BuildWithScript, log)
	if err != nil {
		return tools, missing(err)
	}
	tools.TFLint, tools.TerraformDocs = built["tflint"], built["terraform-docs"]
	if tools.Checkov, err = tfcheck.EnsureCheckov(ctx, root, log); err != nil {
		return tools, missing(err)
	}
	return tools, nil
}

// filterStack keeps the findings in the stack's folder, in the modules it
// uses (their examples included) and in the configuration files.
func filterStack(fs []tfcheck.Finding, g *graph.Graph, c *graph.Component, configDir string) []tfcheck.Finding {
	dirs := []string{c.Dir + "/", configDir + "/"}
	for _, d := range g.Deps(c.Name) {
		if dep := g.Get(d); dep != nil {
			dirs = append(dirs, dep.Dir+"/")
		}
	}
	var out []tfcheck.Finding
	for _, f := range fs {
		for _, d := range dirs {
			if strings.HasPrefix(f.File+"/", d) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func newDocsCommand(deps cli.Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "docs",
		Short: "Regenerate the inputs/outputs tables of the module READMEs (terraform-docs)",
		Long: `Write terraform-docs' inputs/outputs tables between the BEGIN_TF_DOCS and
END_TF_DOCS markers of every module README (and of root modules whose README
has the markers). 'mono infra check' fails while one is out of date.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := deps.Workspace()
			if err != nil {
				return err
			}
			tree, err := newTree(ws, "")
			if err != nil {
				return err
			}
			bin, err := tfcheck.LookTool(ws.Root, "terraform-docs", deps.Getenv("PATH"))
			if err != nil {
				return cli.Exit(cli.ExitMissing, err)
			}
			changed, err := tree.WriteDocs(cmd.Context(), bin)
			if err != nil {
				return err
			}
			for _, f := range changed {
				fmt.Fprintf(deps.IO.Out, "wrote %s\n", f)
			}
			if len(changed) == 0 {
				fmt.Fprintln(deps.IO.Out, "infra docs: every README is up to date")
			}
			return nil
		},
	}
}
