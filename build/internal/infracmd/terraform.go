package infracmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/tfcheck"
)

// Runner runs terraform for the infra commands.
type Runner struct {
	IO cli.IOStreams
	// Environ is the environment terraform runs with (cli.Deps.Environ).
	Environ []string
	// Getenv reads Environ.
	Getenv func(string) string
	// Root is the repository root.
	Root string
	// Dir is the folder mono was started in; relative plan paths start there.
	Dir string
	// IsTerminal reports whether IO.In is a terminal a person types into.
	IsTerminal func() bool
	// Now stamps saved plans.
	Now func() time.Time
}

// NewRunner returns a Runner over deps' streams and environment.
func NewRunner(deps cli.Deps, root string) *Runner {
	return &Runner{
		IO:         deps.IO,
		Environ:    deps.Environ,
		Getenv:     deps.Getenv,
		Root:       root,
		Dir:        deps.Dir,
		IsTerminal: func() bool { return cli.IsTerminal(deps.IO.In) },
		Now:        time.Now,
	}
}

// PlanMeta is saved next to a plan file: which environment and stack it
// was made for, so that apply never applies a plan to the wrong place.
type PlanMeta struct {
	Env     string    `json:"env"`
	Stack   string    `json:"stack"`
	Dir     string    `json:"dir"`
	Created time.Time `json:"created"`
}

// DefaultPlan is where plan saves and prod apply looks for a plan.
func (r *Runner) DefaultPlan(st *Stack, env string) string {
	return filepath.Join(r.Root, ".mono", "infra", env+"-"+strings.TrimPrefix(st.Name, "infra-")+".tfplan")
}

func (r *Runner) planPath(st *Stack, o Options) (string, error) {
	if o.Plan == "" {
		return r.DefaultPlan(st, o.Env), nil
	}
	if filepath.IsAbs(o.Plan) {
		return o.Plan, nil
	}
	return filepath.Join(r.Dir, o.Plan), nil
}

// terraform runs `terraform -chdir=<stack> args...` for env with the
// streams of r. Each environment has a working folder of its own
// (TF_DATA_DIR=.terraform/<env>): the stacks of the environment root share
// their folder, and an init for dev must not switch prod's backend.
func (r *Runner) terraform(ctx context.Context, st *Stack, env string, stdout io.Writer, args ...string) error {
	bin, err := lookPath("terraform", r.Getenv("PATH"))
	if err != nil {
		return cli.Exit(cli.ExitMissing, err)
	}
	full := append([]string{"-chdir=" + st.Dir}, args...)
	fmt.Fprintf(r.IO.ErrOut, "infra: terraform %s\n", strings.Join(full, " "))
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, r.IO.ErrOut
	cmd.Env = append(withPath(r.Environ, r.Getenv("PATH")), "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_DATA_DIR="+filepath.Join(".terraform", env))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("terraform %s in %s: %w", args[0], st.Rel, err)
	}
	return nil
}

func (r *Runner) init(ctx context.Context, st *Stack, env string) error {
	return r.terraform(ctx, st, env, r.IO.Out, "init", "-input=false", "-reconfigure", "-backend-config="+tfcheck.BackendFile(env))
}

// Plan runs init with the environment's backend and plan with its
// variables, and saves the plan with its metadata; it returns the plan file.
func (r *Runner) Plan(ctx context.Context, st *Stack, o Options) (string, error) {
	planFile, err := r.planPath(st, o)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(planFile), 0o755); err != nil {
		return "", err
	}
	_ = os.Remove(planFile)
	_ = os.Remove(planFile + ".json")
	if err := r.init(ctx, st, o.Env); err != nil {
		return "", err
	}
	if err := r.terraform(ctx, st, o.Env, r.IO.Out, "plan", "-input=false", "-lock-timeout=5m", "-var-file="+tfcheck.VarFile(o.Env), "-out="+planFile); err != nil {
		return "", err
	}
	meta, err := json.MarshalIndent(PlanMeta{Env: o.Env, Stack: st.Name, Dir: st.Rel, Created: r.Now().UTC()}, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(planFile+".json", meta, 0o644); err != nil {
		return "", err
	}
	rel, _ := filepath.Rel(r.Root, planFile)
	fmt.Fprintf(r.IO.ErrOut, "infra: plan for %s (%s) saved to %s; apply it with: mono infra apply --env %s --stack %s --plan %s\n", o.Env, st.Name, rel, o.Env, st.Name, rel)
	return planFile, nil
}

// ErrNotConfirmed means the person did not type the confirmation.
var ErrNotConfirmed = cli.ErrNotConfirmed

// Apply applies a plan to the environment. Outside prod, without a saved
// plan, it plans first and applies exactly that plan. In prod it applies only
// a saved plan made for prod and this stack, after showing it and reading the
// typed environment name (or --yes-i-mean-prod without a terminal).
func (r *Runner) Apply(ctx context.Context, st *Stack, o Options) error {
	planFile, err := r.planPath(st, o)
	if err != nil {
		return err
	}
	protected := o.Env == ProtectedEnv
	if !protected && o.Plan == "" {
		if planFile, err = r.Plan(ctx, st, o); err != nil {
			return err
		}
	} else {
		if err := r.checkSavedPlan(planFile, st, o.Env); err != nil {
			return err
		}
		if err := r.init(ctx, st, o.Env); err != nil {
			return err
		}
	}
	if protected {
		if err := r.terraform(ctx, st, o.Env, r.IO.Out, "show", "-no-color", planFile); err != nil {
			return err
		}
		if err := r.confirm(o); err != nil {
			return err
		}
	}
	if err := r.terraform(ctx, st, o.Env, r.IO.Out, "apply", "-input=false", "-lock-timeout=5m", planFile); err != nil {
		return err
	}
	// A plan is applied once; terraform refuses a stale one anyway.
	_ = os.Remove(planFile)
	_ = os.Remove(planFile + ".json")
	fmt.Fprintf(r.IO.ErrOut, "infra: applied to %s (%s)\n", o.Env, st.Name)
	return nil
}

func (r *Runner) checkSavedPlan(planFile string, st *Stack, env string) error {
	rel, _ := filepath.Rel(r.Root, planFile)
	if _, err := os.Stat(planFile); err != nil {
		return cli.Usagef("%s is applied only from a saved plan, and there is none at %s: run mono infra plan --env %s --stack %s first, review it, then apply", env, rel, env, st.Name)
	}
	data, err := os.ReadFile(planFile + ".json")
	if err != nil {
		return cli.Usagef("plan %s has no %s.json saying which environment it was made for: make it with mono infra plan", rel, filepath.Base(planFile))
	}
	var meta PlanMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return cli.Usagef("plan %s: unreadable metadata: %v", rel, err)
	}
	if meta.Env != env || meta.Stack != st.Name {
		return cli.Usagef("plan %s was made for %s (%s), not %s (%s)", rel, meta.Env, meta.Stack, env, st.Name)
	}
	return nil
}

// confirm asks for the environment name on a terminal, or accepts
// --yes-i-mean-prod where there is none.
func (r *Runner) confirm(o Options) error {
	return cli.ConfirmEnv(r.IO, r.IsTerminal(), "infra", "the plan above", o.Env, o.YesIMeanProd)
}

// lookPath finds name in the folders of pathList.
func lookPath(name, pathList string) (string, error) {
	for _, d := range filepath.SplitList(pathList) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &tfcheck.MissingToolError{Tool: name, Install: tfcheck.Installs()[name]}
}

// withPath returns env with PATH set to path.
func withPath(env []string, path string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PATH=") {
			out = append(out, kv)
		}
	}
	return append(out, "PATH="+path)
}
