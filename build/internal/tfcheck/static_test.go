package tfcheck

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRepository runs every static check over the repository's own
// infrastructure/ and config/: it must be clean.
func TestRepository(t *testing.T) {
	t.Parallel()
	tree := NewTree(repoRoot(t), DefaultDir, "config", testEnvs)
	if diff := cmp.Diff([]string{"dev", "staging", "prod"}, tree.Envs); diff != "" {
		t.Fatalf("environments with a variable file (-want +got):\n%s", diff)
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
				edit(t, root, "infrastructure/live/network.tf", "  single_nat_gateway      = var.single_nat_gateway\n", "  single_nat_gateway      = var.single_nat_gateway\n  single_nat_gatewy       = true\n")
			},
			file: "infrastructure/live/network.tf",
			want: []string{`module "network": unknown argument "single_nat_gatewy"`, `did you mean "single_nat_gateway"`},
		},
		{
			name: "missing required argument",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/security.tf", "  vpc_id   = module.network.vpc_id\n", "")
			},
			file: "infrastructure/live/security.tf",
			want: []string{`module "security": missing required argument "vpc_id"`},
		},
		{
			name: "unknown module output",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/discovery.tf", "module.database.address", "module.database.hostname")
			},
			file: "infrastructure/live/discovery.tf",
			want: []string{`module.database.hostname`, `has no output "hostname"`},
		},
		{
			name: "unknown output behind a for_each key",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/discovery.tf", `module.buckets["exports"].bucket_id`, `module.buckets["exports"].bucket_name`)
			},
			file: "infrastructure/live/discovery.tf",
			want: []string{`has no output "bucket_name"`},
		},
		{
			name: "provider configuration alias not passed",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/database.tf", "    aws.replica = aws.replica\n", "")
			},
			file: "infrastructure/live/database.tf",
			want: []string{"needs provider configuration aws.replica"},
		},
		{
			name: "untyped variable",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/kms/variables.tf", "  type        = number\n", "")
			},
			file: "infrastructure/modules/kms/variables.tf",
			want: []string{`variable "deletion_window_in_days" has no type`},
		},
		{
			name: "undescribed variable",
			plant: func(t *testing.T, root string) {
				write(t, root, "infrastructure/modules/kms/extra.tf", "variable \"extra\" {\n  type = string\n}\n")
			},
			file: "infrastructure/modules/kms/extra.tf",
			want: []string{`variable "extra" has no description`},
		},
		{
			name: "undeclared variable reference",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/kms/main.tf", "var.enable_key_rotation", "var.key_rotation")
			},
			file: "infrastructure/modules/kms/main.tf",
			want: []string{"undeclared variable var.key_rotation"},
		},
		{
			name: "missing cost-allocation tag",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/providers.tf", "    CostCenter  = var.cost_center\n", "")
			},
			file: "infrastructure/live/providers.tf",
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
				write(t, root, "infrastructure/modules/kms/providers.tf", "provider \"aws\" {\n  region = \"us-east-1\"\n}\n")
			},
			file: "infrastructure/modules/kms/providers.tf",
			want: []string{"modules configure no providers"},
		},
		{
			name: "backend without native locking",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/staging.backend.hcl", "use_lockfile = true", "use_lockfile = false")
			},
			file: "infrastructure/live/staging.backend.hcl",
			want: []string{"backend must set use_lockfile = true"},
		},
		{
			name: "variable file misses a required variable",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/live/dev.tfvars", "cost_center    = \"cc-1001-engineering\"\n", "")
			},
			file: "infrastructure/live/dev.tfvars",
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
				edit(t, root, "infrastructure/live/discovery.tf", `"region"                 = var.region`, `(var.region)               = var.region`)
			},
			file: "infrastructure/live/discovery.tf",
			want: []string{"parameter keys must be literal strings"},
		},
		{
			name: "ssm name not published",
			plant: func(t *testing.T, root string) {
				write(t, root, "config/dev.yaml", "shared:\n  blobs:\n    exports:\n      bucket: ssm:///acme/dev/s3/exports/bucket\n    reports:\n      bucket: ssm://acme/dev/s3/reports/bucket\n")
			},
			file: "config/dev.yaml",
			want: []string{"ssm://acme/dev/s3/reports/bucket", "/acme/dev/s3/reports/bucket is not published", Publisher("dev")},
		},
		{
			name: "ssm name of another environment",
			plant: func(t *testing.T, root string) {
				write(t, root, "config/prod.yaml", "shared:\n  database:\n    host: ssm:///acme/dev/rds/orders/host\n")
			},
			file: "config/prod.yaml",
			want: []string{"/acme/dev/rds/orders/host is not published by the discovery module of infrastructure/live with prod.tfvars", "did you mean /acme/prod/rds/orders/host"},
		},
		{
			name: "README without usage",
			plant: func(t *testing.T, root string) {
				edit(t, root, "infrastructure/modules/kms/README.md", "## Usage", "## How")
			},
			file: "infrastructure/modules/kms/README.md",
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

// TestPosture plants posture violations into the variable files of a copy of
// infrastructure/ and expects a finding at the line that sets the variable
// (or at the file when the variable is not set), naming the rule.
func TestPosture(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		file     string
		old, new string
		want     string
	}{
		{"prod Multi-AZ off", "prod.tfvars", "db_multi_az                = true", "db_multi_az                = false", "prod must set db_multi_az = true (a standby database in a second zone)"},
		{"prod deletion protection off", "prod.tfvars", "db_deletion_protection     = true", "db_deletion_protection     = false", "prod must set db_deletion_protection = true"},
		{"prod backups not copied", "prod.tfvars", "db_cross_region_backups    = true", "db_cross_region_backups    = false", "prod must set db_cross_region_backups = true"},
		{"prod buckets not replicated", "prod.tfvars", "s3_replication        = true", "s3_replication        = false", "prod must set s3_replication = true"},
		{"prod vault unlocked", "prod.tfvars", "backup_vault_lock     = true", "backup_vault_lock     = false", "prod must set backup_vault_lock = true"},
		{"prod single NAT gateway", "prod.tfvars", "single_nat_gateway = false", "single_nat_gateway = true", "prod must set single_nat_gateway = false"},
		{"prod Multi-AZ not set", "prod.tfvars", "db_multi_az                = true\n", "", "prod must set db_multi_az = true"},
		{"staging Multi-AZ off", "staging.tfvars", "db_multi_az                = true", "db_multi_az                = false", "staging must set db_multi_az = true"},
		{"staging deletion protection off", "staging.tfvars", "db_deletion_protection     = true", "db_deletion_protection     = false", "staging must set db_deletion_protection = true"},
		{"staging Multi-AZ as a string", "staging.tfvars", "db_multi_az                = true", `db_multi_az                = "true"`, "staging must set db_multi_az = true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := copyInfra(t)
			file := "infrastructure/live/" + tc.file
			edit(t, root, file, tc.old, tc.new)
			line := 0 // the variable is not set: the finding names the file
			if tc.new != "" {
				line = lineOf(t, root, file, tc.new)
			}
			findings, err := NewTree(root, DefaultDir, "", testEnvs).Static()
			if err != nil {
				t.Fatal(err)
			}
			want := Finding{File: file, Line: line, Check: "posture", Message: tc.want}
			var got []Finding
			for _, f := range findings {
				if f.Check == "posture" {
					got = append(got, f)
				}
			}
			if len(got) != 1 || got[0].File != want.File || got[0].Line != want.Line || !strings.HasPrefix(got[0].Message, want.Message) {
				t.Errorf("posture findings = %v, want one like %v", got, want)
			}
		})
	}
	// dev may be cheap: the same values there are no finding.
	root := copyInfra(t)
	edit(t, root, "infrastructure/live/dev.tfvars", "single_nat_gateway = true", "single_nat_gateway = false")
	findings, err := NewTree(root, DefaultDir, "", testEnvs).Static()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("dev: %s", f)
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
		{File: "config/dev.yaml", Line: 11, Raw: "ssm:///acme/dev/eks/cluster/name", Name: "/acme/dev/eks/cluster/name"},
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
	for _, f := range MissingRefs(refs, names, Publisher("dev")) {
		t.Error(f)
	}
	bad := []Ref{{File: "config/dev.yaml", Line: 1, Raw: "ssm:///acme/dev/s3/exportz/bucket", Name: "/acme/dev/s3/exportz/bucket"}}
	got := MissingRefs(bad, names, Publisher("dev"))
	if len(got) != 1 || !hasFinding(got, "config/dev.yaml", "did you mean /acme/dev/s3/exports/bucket") {
		t.Errorf("MissingRefs(%v) = %v, want one finding suggesting the exports bucket", bad, got)
	}
}
