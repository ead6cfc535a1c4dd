package tfcheck

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRepository runs every static check over the repository's own
// infrastructure/ and config/: it must be clean.
func TestRepository(t *testing.T) {
	t.Parallel()
	tree := NewTree(repoRoot(t), DefaultDir, "config", testEnvs)
	if diff := cmp.Diff([]string{"dev", "staging", "prod"}, tree.Envs); diff != "" {
		t.Fatalf("environments with a folder (-want +got):\n%s", diff)
	}
	findings, err := tree.Static()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

// TestPlanted plants one error at a time into a copy of infrastructure/
// and expects the static checks to name the file and the problem.
func TestPlanted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plant func(t *testing.T, root string)
		file  string
		want  []string
	}{
		{
			name: "unknown module argument",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/dev/network.tf", "  single_nat_gateway      = var.single_nat_gateway\n", "  single_nat_gateway      = var.single_nat_gateway\n  single_nat_gatewy       = true\n")
			},
			file: "infrastructure/envs/dev/network.tf",
			want: []string{`module "network": unknown argument "single_nat_gatewy"`, `did you mean "single_nat_gateway"`},
		},
		{
			name: "missing required argument",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/staging/security.tf", "  vpc_id   = module.network.vpc_id\n", "")
			},
			file: "infrastructure/envs/staging/security.tf",
			want: []string{`module "security": missing required argument "vpc_id"`},
		},
		{
			name: "unknown module output",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/prod/discovery.tf", "module.database.address", "module.database.hostname")
			},
			file: "infrastructure/envs/prod/discovery.tf",
			want: []string{`module.database.hostname`, `has no output "hostname"`},
		},
		{
			name: "unknown output behind a for_each key",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/dev/discovery.tf", `module.buckets["exports"].bucket_id`, `module.buckets["exports"].bucket_name`)
			},
			file: "infrastructure/envs/dev/discovery.tf",
			want: []string{`has no output "bucket_name"`},
		},
		{
			name: "provider configuration alias not passed",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/dev/database.tf", "    aws.replica = aws.replica\n", "")
			},
			file: "infrastructure/envs/dev/database.tf",
			want: []string{"needs provider configuration aws.replica"},
		},
		{
			name: "untyped variable",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/queue/variables.tf", "  type        = number\n", "")
			},
			file: "infrastructure/modules/queue/variables.tf",
			want: []string{`variable "visibility_timeout_seconds" has no type`},
		},
		{
			name: "undescribed variable",
			plant: func(t *testing.T, root string) {
				write(t, root, "infrastructure/modules/queue/extra.tf", "variable \"extra\" {\n  type = string\n}\n")
			},
			file: "infrastructure/modules/queue/extra.tf",
			want: []string{`variable "extra" has no description`},
		},
		{
			name: "undeclared variable reference",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/queue/main.tf", "var.max_receive_count", "var.max_receives")
			},
			file: "infrastructure/modules/queue/main.tf",
			want: []string{"undeclared variable var.max_receives"},
		},
		{
			name: "missing cost-allocation tag",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/dev/providers.tf", "    CostCenter  = var.cost_center\n", "")
			},
			file: "infrastructure/envs/dev/providers.tf",
			want: []string{"lacks the required cost-allocation tags CostCenter"},
		},
		{
			name: "provider without default_tags",
			plant: func(t *testing.T, root string) {
				write(t, root, "infrastructure/bootstrap/extra.tf", "provider \"aws\" {\n  alias  = \"other\"\n  region = \"us-east-1\"\n}\n")
			},
			file: "infrastructure/bootstrap/extra.tf",
			want: []string{"provider aws.other: no default_tags block"},
		},
		{
			name: "provider inside a module",
			plant: func(t *testing.T, root string) {
				write(t, root, "infrastructure/modules/queue/providers.tf", "provider \"aws\" {\n  region = \"us-east-1\"\n}\n")
			},
			file: "infrastructure/modules/queue/providers.tf",
			want: []string{"modules configure no providers"},
		},
		{
			name: "environment roots drift apart",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/prod/eks.tf", "  log_retention_days        = var.log_retention_days\n", "  log_retention_days        = 3653\n")
			},
			file: "infrastructure/envs/prod/eks.tf",
			want: []string{"differs from infrastructure/envs/dev/eks.tf"},
		},
		{
			name: "prod without Multi-AZ",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/prod/prod.tfvars", "db_multi_az                = true", "db_multi_az                = false")
			},
			file: "infrastructure/envs/prod/prod.tfvars",
			want: []string{"prod must set db_multi_az = true"},
		},
		{
			name: "backend without native locking",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/staging/staging.backend.hcl", "use_lockfile = true", "use_lockfile = false")
			},
			file: "infrastructure/envs/staging/staging.backend.hcl",
			want: []string{"backend must set use_lockfile = true"},
		},
		{
			name: "variable file misses a required variable",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/dev/dev.tfvars", "cost_center    = \"cc-1001-engineering\"\n", "")
			},
			file: "infrastructure/envs/dev/dev.tfvars",
			want: []string{`no value for the required variable "cost_center"`},
		},
		{
			name: "checkov skip without a reason",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/access-logs/main.tf", "# checkov:skip=CKV_AWS_18: this bucket is the access log destination; logging it to itself would loop.", "# checkov:skip=CKV_AWS_18")
			},
			file: "infrastructure/modules/access-logs/main.tf",
			want: []string{"checkov skip CKV_AWS_18: give a one-line reason"},
		},
		{
			name: "discovery key not literal",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/envs/dev/discovery.tf", `"region"                   = var.region`, `(var.region)                 = var.region`)
			},
			file: "infrastructure/envs/dev/discovery.tf",
			want: []string{"parameter keys must be literal strings"},
		},
		{
			name: "ssm name not published",
			plant: func(t *testing.T, root string) {
				write(t, root, "config/dev.yaml", "shared:\n  blobs:\n    exports:\n      bucket: ssm:///acme/dev/s3/exports/bucket\n    reports:\n      bucket: ssm://acme/dev/s3/reports/bucket\n")
			},
			file: "config/dev.yaml",
			want: []string{"ssm://acme/dev/s3/reports/bucket", "/acme/dev/s3/reports/bucket is not published", "infrastructure/envs/dev"},
		},
		{
			name: "ssm name of another environment",
			plant: func(t *testing.T, root string) {
				write(t, root, "config/prod.yaml", "shared:\n  database:\n    host: ssm:///acme/dev/rds/orders/host\n")
			},
			file: "config/prod.yaml",
			want: []string{"/acme/dev/rds/orders/host is not published by the discovery module of infrastructure/envs/prod", "did you mean /acme/prod/rds/orders/host"},
		},
		{
			name: "README without usage",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/queue/README.md", "## Usage", "## How")
			},
			file: "infrastructure/modules/queue/README.md",
			want: []string{`README has no "## Usage" section`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := copyInfra(t)
			tc.plant(t, root)
			findings, err := NewTree(root, DefaultDir, "config", testEnvs).Static()
			if err != nil {
				t.Fatal(err)
			}
			if !hasFinding(findings, tc.file, tc.want...) {
				t.Errorf("no finding in %s with %q; findings:", tc.file, tc.want)
				for _, f := range findings {
					t.Log(f)
				}
			}
		})
	}
}

func TestSSMRefs(t *testing.T) {
	t.Parallel()
	refs, err := SSMRefs("testdata/config/dev.yaml", "config/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{
		{File: "config/dev.yaml", Line: 4, Raw: "ssm:///acme/dev/rds/orders/host", Name: "/acme/dev/rds/orders/host"},
		{File: "config/dev.yaml", Line: 9, Raw: "ssm://acme/dev/s3/exports/bucket", Name: "/acme/dev/s3/exports/bucket"},
		{File: "config/dev.yaml", Line: 12, Raw: "ssm:///acme/dev/sqs/order-events/url", Name: "/acme/dev/sqs/order-events/url"},
	}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
}

// TestFixtureConfigPublished checks the fixture configuration against the
// names the dev environment publishes, as the config check does once
// config/dev.yaml exists.
func TestFixtureConfigPublished(t *testing.T) {
	t.Parallel()
	tree := NewTree(repoRoot(t), DefaultDir, "config", testEnvs)
	names, findings, err := tree.Published("dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
	refs, err := SSMRefs("testdata/config/dev.yaml", "config/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range MissingRefs(refs, names, "infrastructure/envs/dev") {
		t.Error(f)
	}
	bad := []Ref{{File: "config/dev.yaml", Line: 1, Raw: "ssm:///acme/dev/s3/exportz/bucket", Name: "/acme/dev/s3/exportz/bucket"}}
	got := MissingRefs(bad, names, "infrastructure/envs/dev")
	if len(got) != 1 || !hasFinding(got, "config/dev.yaml", "did you mean /acme/dev/s3/exports/bucket") {
		t.Errorf("MissingRefs(%v) = %v, want one finding suggesting the exports bucket", bad, got)
	}
}
