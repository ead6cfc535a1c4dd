package tfcheck

import (
	"context"
	"os"
	"testing"
)

// needTool returns an external tool or fails the test with how to install
// it; only -short skips.
func needTool(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skipping a test that runs %s", name)
	}
	p, err := LookTool(repoRoot(t), name, os.Getenv("PATH"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIntegrationTools runs each external check over the repository (clean)
// and over a copy with an error planted for it (found, in the right file).
// checkov's clean run and a planted public bucket are in infracmd's
// TestIntegrationCheck; here it must see an environment's own values.
func TestIntegrationTools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		tool  func(t *testing.T) string
		run   func(tree *Tree, bin string) ([]Finding, error)
		plant func(t *testing.T, root string)
		file  string
		want  []string
		// noClean skips the clean run (done elsewhere, and slow).
		noClean bool
	}{
		{
			name: "terraform fmt",
			tool: func(t *testing.T) string { return needTool(t, "terraform") },
			run:  func(tree *Tree, bin string) ([]Finding, error) { return tree.Fmt(ctx, bin) },
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/kms/main.tf", "  description             = var.description\n", "  description = var.description\n")
			},
			file: "infrastructure/modules/kms/main.tf",
			want: []string{"not in canonical format"},
		},
		{
			name: "tflint",
			tool: func(t *testing.T) string { return needTool(t, "tflint") },
			run:  func(tree *Tree, bin string) ([]Finding, error) { return tree.TFLint(ctx, bin) },
			plant: func(t *testing.T, root string) {
				write(t, root, "infrastructure/modules/kms/unused.tf", "locals {\n  unused = 1\n}\n")
			},
			file: "infrastructure/modules/kms/unused.tf",
			want: []string{`local.unused is declared but not used`, "terraform_unused_declarations"},
		},
		{
			name: "terraform-docs",
			tool: func(t *testing.T) string { return needTool(t, "terraform-docs") },
			run:  func(tree *Tree, bin string) ([]Finding, error) { return tree.Docs(ctx, bin) },
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/kms/variables.tf", "Days a deleted key", "Days a removed key")
			},
			file: "infrastructure/modules/kms/README.md",
			want: []string{"out of date", "mono infra docs"},
		},
		{
			name: "checkov evaluates each environment with its own variables",
			tool: func(t *testing.T) string {
				if testing.Short() {
					t.Skip("-short: skipping checkov")
				}
				p, err := EnsureCheckov(ctx, repoRoot(t), func(s string) { t.Log(s) })
				if err != nil {
					t.Fatal(err)
				}
				return p
			},
			run: func(tree *Tree, bin string) ([]Finding, error) { return tree.Checkov(ctx, bin) },
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/dev.tfvars", "log_retention_days = 365", "log_retention_days = 3")
			},
			file:    "infrastructure/modules/network/main.tf",
			want:    []string{"CKV_AWS_338", "module.network.aws_cloudwatch_log_group.flow_log"},
			noClean: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := tc.tool(t)
			if !tc.noClean {
				clean, err := tc.run(NewTree(repoRoot(t), DefaultDir, "config", testEnvs), bin)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range clean {
					t.Errorf("repository: %s", f)
				}
			}
			root := copyInfra(t)
			tc.plant(t, root)
			planted, err := tc.run(NewTree(root, DefaultDir, "config", testEnvs), bin)
			if err != nil {
				t.Fatal(err)
			}
			if !hasFinding(planted, tc.file, tc.want...) {
				t.Errorf("no finding in %s with %q; findings:", tc.file, tc.want)
				for _, f := range planted {
					t.Log(f)
				}
			}
		})
	}
}

// TestIntegrationWriteDocs regenerates a stale README block and leaves the
// tree clean.
func TestIntegrationWriteDocs(t *testing.T) {
	t.Parallel()
	bin := needTool(t, "terraform-docs")
	root := copyInfra(t)
	edit(t, root, "infrastructure/modules/budget/outputs.tf", "Name of the monthly budget.", "Name of the budget, per month.")
	tree := NewTree(root, DefaultDir, "", testEnvs)
	changed, err := tree.WriteDocs(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0] != "infrastructure/modules/budget/README.md" {
		t.Errorf("WriteDocs changed %v, want the budget README", changed)
	}
	stale, err := tree.Docs(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("after WriteDocs: %v", stale)
	}
}
