package infracmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
)

// fakeRepo is a workspace with the environment root live/ (one stack per
// environment: infra-dev, infra-staging, infra-prod; staging without its
// files), bootstrap, and a stand-in terraform that records its arguments.
type fakeRepo struct {
	root string
	bin  string // folder of the stand-in terraform
	log  string // the stand-in's record: one line per call
}

// standIn records "<args>" per call (and TF_DATA_DIR in <record>.datadir),
// creates the file of -out=, and prints a plan summary for show.
const standIn = `#!/bin/sh
printf '%s\n' "$*" >> "$RECORD_FILE"
printf '%s\n' "$TF_DATA_DIR" >> "$RECORD_FILE.datadir"
for a in "$@"; do
  case "$a" in
    -out=*) : > "${a#-out=}" ;;
  esac
done
case "$2" in
  show) echo "Plan: 2 to add, 0 to change, 0 to destroy." ;;
esac
exit 0
`

func newFakeRepo(t *testing.T) *fakeRepo {
	t.Helper()
	r := &fakeRepo{root: t.TempDir()}
	r.bin = filepath.Join(r.root, ".fake-bin")
	r.log = filepath.Join(r.root, "terraform.log")
	files := map[string]string{
		"mono.yaml":                                "project: acme\nenvironments: [local, dev, staging, prod]\n",
		"infrastructure/modules/net/main.tf":       "variable \"name\" {\n  type        = string\n  description = \"Name.\"\n}\n",
		"infrastructure/live/main.tf":              "module \"net\" {\n  source = \"../modules/net\"\n  name   = var.environment\n}\n",
		"infrastructure/live/component.yaml":       "name: infra\nkind: terraform-stack\nperEnv: true\ndeploy:\n  envs: [dev, staging, prod]\n",
		"infrastructure/live/dev.tfvars":           "environment = \"dev\"\n",
		"infrastructure/live/dev.backend.hcl":      "bucket = \"b\"\n",
		"infrastructure/live/prod.tfvars":          "environment = \"prod\"\n",
		"infrastructure/live/prod.backend.hcl":     "bucket = \"b\"\n",
		"infrastructure/bootstrap/main.tf":         "terraform {}\n",
		"infrastructure/bootstrap/dev.tfvars":      "environment = \"dev\"\n",
		"infrastructure/bootstrap/dev.backend.hcl": "path = \"state/dev.tfstate\"\n",
		".fake-bin/terraform":                      strings.ReplaceAll(standIn, `"$RECORD_FILE`, `"`+r.log),
	}
	for name, content := range files {
		p := filepath.Join(r.root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// calls returns the recorded terraform calls, with the root replaced by
// ROOT.
func (r *fakeRepo) calls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(r.log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		out = append(out, strings.ReplaceAll(l, r.root, "ROOT"))
	}
	return out
}

func (r *fakeRepo) deps(in string) (cli.Deps, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	env := map[string]string{"PATH": r.bin + string(os.PathListSeparator) + "/usr/bin:/bin"}
	return cli.Deps{
		IO:      cli.IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut},
		Dir:     filepath.Join(r.root, "infrastructure"),
		Environ: cli.Vars(env),
	}, &out, &errOut
}

// run runs `mono infra <args>` in-process and returns the exit code.
func (r *fakeRepo) run(t *testing.T, in string, args ...string) (int, string) {
	t.Helper()
	deps, out, errOut := r.deps(in)
	cmd := NewCommand(deps)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	text := out.String() + errOut.String()
	if err != nil {
		text += err.Error()
	}
	code := cli.CodeOf(err)
	if err != nil && strings.Contains(err.Error(), "required flag") {
		code = cli.ExitUsage
	}
	return code, text
}

const (
	devInit  = "-chdir=ROOT/infrastructure/live init -input=false -reconfigure -backend-config=dev.backend.hcl"
	devPlan  = "-chdir=ROOT/infrastructure/live plan -input=false -lock-timeout=5m -var-file=dev.tfvars -out=ROOT/.mono/infra/dev-dev.tfplan"
	devApply = "-chdir=ROOT/infrastructure/live apply -input=false -lock-timeout=5m ROOT/.mono/infra/dev-dev.tfplan"

	prodInit  = "-chdir=ROOT/infrastructure/live init -input=false -reconfigure -backend-config=prod.backend.hcl"
	prodPlan  = "-chdir=ROOT/infrastructure/live plan -input=false -lock-timeout=5m -var-file=prod.tfvars -out=ROOT/.mono/infra/prod-prod.tfplan"
	prodShow  = "-chdir=ROOT/infrastructure/live show -no-color ROOT/.mono/infra/prod-prod.tfplan"
	prodApply = "-chdir=ROOT/infrastructure/live apply -input=false -lock-timeout=5m ROOT/.mono/infra/prod-prod.tfplan"
)

func TestPlanAndApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// before runs first (e.g. a saved plan); its calls are not checked.
		before    [][]string
		args      []string
		in        string
		wantCode  int
		wantCalls []string
		wantText  []string
	}{
		{
			name:      "plan dev uses the env's backend and variable files",
			args:      []string{"plan", "--env", "dev"},
			wantCalls: []string{devInit, devPlan},
			wantText:  []string{"saved to .mono/infra/dev-dev.tfplan"},
		},
		{
			name:      "apply dev plans, then applies exactly that plan",
			args:      []string{"apply", "--env", "dev"},
			wantCalls: []string{devInit, devPlan, devApply},
			wantText:  []string{"applied to dev"},
		},
		{
			name:      "bootstrap stack of dev",
			args:      []string{"plan", "--env", "dev", "--stack", "bootstrap"},
			wantCalls: []string{"-chdir=ROOT/infrastructure/bootstrap init -input=false -reconfigure -backend-config=dev.backend.hcl", "-chdir=ROOT/infrastructure/bootstrap plan -input=false -lock-timeout=5m -var-file=dev.tfvars -out=ROOT/.mono/infra/dev-bootstrap.tfplan"},
		},
		{
			name:     "prod without a saved plan is refused",
			args:     []string{"apply", "--env", "prod", "--yes-i-mean-prod"},
			wantCode: cli.ExitUsage,
			wantText: []string{"prod is applied only from a saved plan", "mono infra plan --env prod"},
		},
		{
			name:      "prod without a terminal or flag is refused after showing the plan",
			before:    [][]string{{"plan", "--env", "prod"}},
			args:      []string{"apply", "--env", "prod"},
			in:        "prod\n",
			wantCode:  cli.ExitUsage,
			wantCalls: []string{prodInit, prodShow},
			wantText:  []string{"Plan: 2 to add", "refusing to apply to prod without a terminal", "--yes-i-mean-prod"},
		},
		{
			name:      "prod with --yes-i-mean-prod applies the saved plan",
			before:    [][]string{{"plan", "--env", "prod"}},
			args:      []string{"apply", "--env", "prod", "--yes-i-mean-prod"},
			wantCalls: []string{prodInit, prodShow, prodApply},
			wantText:  []string{"applied to prod"},
		},
		{
			name:     "a dev plan is not applied to prod",
			before:   [][]string{{"plan", "--env", "dev"}},
			args:     []string{"apply", "--env", "prod", "--plan", "../.mono/infra/dev-dev.tfplan", "--yes-i-mean-prod"},
			wantCode: cli.ExitUsage,
			wantText: []string{"was made for dev (infra-dev), not prod (infra-prod)"},
		},
		{
			name:     "local has no stack",
			args:     []string{"plan", "--env", "local"},
			wantCode: cli.ExitUsage,
			wantText: []string{"environment local has no Terraform stack", "infra-bootstrap, infra-dev, infra-prod, infra-staging"},
		},
		{
			name:     "unknown environment",
			args:     []string{"plan", "--env", "qa"},
			wantCode: cli.ExitUsage,
			wantText: []string{`unknown environment "qa"`},
		},
		{
			name:     "unknown stack",
			args:     []string{"plan", "--env", "dev", "--stack", "network"},
			wantCode: cli.ExitUsage,
			wantText: []string{`unknown stack "network"`},
		},
		{
			name:      "the environment root's folder picks the env's stack",
			args:      []string{"plan", "--env", "dev", "--stack", "infrastructure/live"},
			wantCalls: []string{devInit, devPlan},
		},
		{
			name:     "another environment's stack",
			args:     []string{"plan", "--env", "dev", "--stack", "prod"},
			wantCode: cli.ExitUsage,
			wantText: []string{"stack infra-prod belongs to prod, not dev"},
		},
		{
			name:     "stack without the env's files",
			args:     []string{"plan", "--env", "staging"},
			wantCode: cli.ExitConfig,
			wantText: []string{"infrastructure/live has no staging.tfvars"},
		},
		{
			name:     "env is required",
			args:     []string{"plan"},
			wantCode: cli.ExitUsage,
			wantText: []string{`required flag(s) "env" not set`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newFakeRepo(t)
			for _, b := range tc.before {
				if code, text := r.run(t, "", b...); code != 0 {
					t.Fatalf("mono infra %v: exit %d\n%s", b, code, text)
				}
			}
			_ = os.Remove(r.log)
			code, text := r.run(t, tc.in, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\n%s", code, tc.wantCode, text)
			}
			if diff := cmp.Diff(tc.wantCalls, r.calls(t)); diff != "" {
				t.Errorf("terraform calls (-want +got):\n%s", diff)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestWorkingFolderPerEnvironment: the stacks of the environment root share
// their folder, so each environment inits into a working folder of its own.
func TestWorkingFolderPerEnvironment(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t)
	for _, env := range []string{"dev", "prod"} {
		if code, text := r.run(t, "", "plan", "--env", env); code != 0 {
			t.Fatalf("plan --env %s: exit %d\n%s", env, code, text)
		}
	}
	data, err := os.ReadFile(r.log + ".datadir")
	if err != nil {
		t.Fatal(err)
	}
	want := ".terraform/dev\n.terraform/dev\n.terraform/prod\n.terraform/prod\n"
	if string(data) != want {
		t.Errorf("TF_DATA_DIR per call = %q, want %q", data, want)
	}
}

// TestProdConfirmation types at a terminal: only the environment name
// applies the saved plan.
func TestProdConfirmation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typed     string
		wantErr   error
		wantCalls []string
	}{
		{typed: "prod\n", wantCalls: []string{prodInit, prodShow, prodApply}},
		{typed: "yes\n", wantErr: ErrNotConfirmed, wantCalls: []string{prodInit, prodShow}},
		{typed: "", wantErr: ErrNotConfirmed, wantCalls: []string{prodInit, prodShow}},
	} {
		t.Run(strings.TrimSpace(tc.typed), func(t *testing.T) {
			t.Parallel()
			r := newFakeRepo(t)
			if code, text := r.run(t, "", "plan", "--env", "prod"); code != 0 {
				t.Fatalf("plan: exit %d\n%s", code, text)
			}
			_ = os.Remove(r.log)
			deps, _, errOut := r.deps(tc.typed)
			runner, st, err := prepare(deps, Options{Env: "prod"})
			if err != nil {
				t.Fatal(err)
			}
			runner.IsTerminal = func() bool { return true }
			err = runner.Apply(context.Background(), st, Options{Env: "prod"})
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Apply: %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(errOut.String(), `Type "prod" to confirm`) {
				t.Errorf("no prompt in %q", errOut.String())
			}
			if diff := cmp.Diff(tc.wantCalls, r.calls(t)); diff != "" {
				t.Errorf("terraform calls (-want +got):\n%s", diff)
			}
			_, statErr := os.Stat(filepath.Join(r.root, ".mono/infra/prod-prod.tfplan"))
			if applied := tc.wantErr == nil; applied != errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("plan file after apply: %v (a plan is removed once applied, kept otherwise)", statErr)
			}
		})
	}
}

func TestTerraformMissing(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t)
	if err := os.Remove(filepath.Join(r.bin, "terraform")); err != nil {
		t.Fatal(err)
	}
	code, text := r.run(t, "", "plan", "--env", "dev")
	if code != cli.ExitMissing || !strings.Contains(text, "terraform not found") {
		t.Errorf("exit %d, want %d with terraform not found:\n%s", code, cli.ExitMissing, text)
	}
}
