package infracmd

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/testenv"
)

// copyWorkspace copies mono.yaml, infrastructure/ (without devserver/) and
// config/ of the repository into a temporary workspace that shares the repository's .mono
// (built tools and the checkov venv), and returns its root.
func copyWorkspace(t *testing.T, repo string) string {
	t.Helper()
	dst := t.TempDir()
	for _, name := range []string{"mono.yaml", "infrastructure", "config"} {
		src := filepath.Join(repo, name)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(repo, p)
			if d.IsDir() {
				// The dev server's Ansible is not Terraform, and its
				// component depends on mono, which the copy leaves out.
				if d.Name() == ".terraform" || rel == filepath.Join("infrastructure", "devserver") {
					return filepath.SkipDir
				}
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(repo, ".mono"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, ".mono"), filepath.Join(dst, ".mono")); err != nil {
		t.Fatal(err)
	}
	return dst
}

func plant(t *testing.T, root, rel, old, new string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", rel, old)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runCheck runs `mono infra check` in dir with the process environment.
func runCheck(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Dir: dir, Environ: os.Environ()}
	cmd := NewCommand(deps)
	cmd.SetArgs(append([]string{"check"}, args...))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	text := out.String()
	if err != nil {
		text += "\nerror: " + err.Error()
	}
	if code := cli.CodeOf(err); code == cli.ExitMissing {
		t.Fatalf("a tool is missing (run hack/tools.sh; checkov needs python3-venv):\n%s\n%s", text, errOut.String())
	}
	return cli.CodeOf(err), text
}

// TestIntegrationCheck is the acceptance test of mono infra check: the
// repository passes, and each planted error (on its own copy) fails the
// check with exit code 1 and a line naming the file and the problem.
func TestIntegrationCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: mono infra check runs terraform, tflint, terraform-docs and checkov")
	}
	t.Parallel()
	repo, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("repository passes", func(t *testing.T) {
		t.Parallel()
		code, text := runCheck(t, repo)
		if code != 0 || !strings.Contains(text, "infra check: ok") {
			t.Errorf("exit %d, want 0:\n%s", code, text)
		}
	})
	tests := []struct {
		name             string
		file, old, new   string
		wantFile, wantIn string
		// args are extra flags of the check (--env limits checkov to
		// the one environment's run).
		args []string
	}{
		{
			name:     "unknown module argument",
			file:     "infrastructure/live/eks.tf",
			old:      "  kubernetes_version        = var.kubernetes_version\n",
			new:      "  kubernetes_version        = var.kubernetes_version\n  enable_public_dashboard   = true\n",
			wantFile: "infrastructure/live/eks.tf:",
			wantIn:   `[interface] module "eks": unknown argument "enable_public_dashboard"`,
		},
		{
			name:     "public S3 bucket",
			file:     "infrastructure/modules/s3/main.tf",
			old:      "  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\nresource \"aws_s3_bucket_ownership_controls\" \"this\"",
			new:      "  block_public_policy     = false\n  ignore_public_acls      = true\n  restrict_public_buckets = false\n}\n\nresource \"aws_s3_bucket_ownership_controls\" \"this\"",
			wantFile: "infrastructure/modules/s3/main.tf:",
			wantIn:   "[checkov] CKV_AWS_56 ",
		},
		{
			name:     "prod without Multi-AZ",
			file:     "infrastructure/live/prod.tfvars",
			old:      "db_multi_az                = true",
			new:      "db_multi_az                = false",
			wantFile: "infrastructure/live/prod.tfvars:",
			wantIn:   "[posture] prod must set db_multi_az = true",
			args:     []string{"--env", "prod"},
		},
		{
			name:     "untyped variable",
			file:     "infrastructure/modules/network/variables.tf",
			old:      "  type        = bool\n",
			new:      "",
			wantFile: "infrastructure/modules/network/variables.tf:",
			wantIn:   `[interface] variable "single_nat_gateway" has no type`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := copyWorkspace(t, repo)
			plant(t, root, tc.file, tc.old, tc.new)
			code, text := runCheck(t, root, tc.args...)
			if code != cli.ExitFailed {
				t.Errorf("exit %d, want %d:\n%s", code, cli.ExitFailed, text)
			}
			found := false
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, tc.wantFile) && strings.Contains(line, tc.wantIn) {
					found = true
				}
			}
			if !found {
				t.Errorf("no line %s...%s in:\n%s", tc.wantFile, tc.wantIn, text)
			}
		})
	}
}
