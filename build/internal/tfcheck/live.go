package tfcheck

import (
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// VarFile names the file that sets an environment's variables in a stack
// folder.
func VarFile(env string) string { return env + ".tfvars" }

// BackendFile names the backend configuration file of env in a stack folder.
func BackendFile(env string) string { return env + ".backend.hcl" }

// LiveDir is the environment root, relative to the infrastructure folder:
// one set of .tf files for every environment, which differ only in
// <env>.tfvars and <env>.backend.hcl next to them.
const LiveDir = "live"

// PostureRule is a variable an environment must set to a value: the
// promises the inline checkov skips rely on (Multi-AZ, deletion protection,
// ...).
type PostureRule struct {
	Env, Variable string
	Want          cty.Value
	// Why names the promise, for the finding.
	Why string
}

// PostureRules returns the rules of staging and prod.
func PostureRules() []PostureRule {
	why := map[string]string{
		"db_multi_az":                "a standby database in a second zone",
		"db_deletion_protection":     "the database cannot be deleted by accident",
		"db_insights_and_monitoring": "Performance Insights and enhanced monitoring",
		"db_cross_region_backups":    "database backups copied to the replica region",
		"s3_replication":             "durable buckets replicated to the replica region",
		"backup_vault_lock":          "a locked backup vault",
		"single_nat_gateway":         "one NAT gateway per zone",
	}
	var rules []PostureRule
	add := func(env, v string, want bool) {
		rules = append(rules, PostureRule{Env: env, Variable: v, Want: cty.BoolVal(want), Why: why[v]})
	}
	for _, v := range []string{"db_multi_az", "db_deletion_protection", "db_insights_and_monitoring", "db_cross_region_backups", "s3_replication", "backup_vault_lock"} {
		add("prod", v, true)
	}
	add("prod", "single_nat_gateway", false)
	for _, v := range []string{"db_multi_az", "db_deletion_protection", "db_insights_and_monitoring"} {
		add("staging", v, true)
	}
	add("staging", "single_nat_gateway", false)
	return rules
}

// checkLive verifies the environment root against each environment's
// files: a variable file that sets every variable without a default and no
// undeclared one, the posture rules of the environment, an S3 backend file
// with native locking, and a bootstrap variable and backend file.
func (t *Tree) checkLive(mods map[string]*module) []Finding {
	if len(t.Envs) == 0 {
		return nil
	}
	m := mods[LiveDir]
	if m == nil || m.cfg == nil {
		return []Finding{{File: "infrastructure/" + LiveDir, Check: "envs", Message: "the environment root has no .tf files"}}
	}
	var out []Finding
	for _, env := range t.Envs {
		vf, fs := t.readVarFile(env)
		out = append(out, fs...)
		if vf != nil {
			out = append(out, t.checkVarFile(m, env, vf)...)
			out = append(out, t.checkPosture(env, vf)...)
		}
		out = append(out, t.checkBackend(env)...)
		if _, ok := mods["bootstrap"]; ok {
			for _, f := range []string{VarFile(env), BackendFile(env)} {
				if _, err := os.Stat(t.abs("bootstrap/" + f)); err != nil {
					out = append(out, Finding{File: "infrastructure/bootstrap", Check: "envs", Message: "no " + f + " for environment " + env})
				}
			}
		}
	}
	return out
}

// checkPosture verifies the posture rules of env against its variable file;
// a finding points at the line that sets the variable, or at the file when
// the variable is not set.
func (t *Tree) checkPosture(env string, vf *varFile) []Finding {
	var out []Finding
	for _, r := range PostureRules() {
		if r.Env != env {
			continue
		}
		got, ok := vf.values[r.Variable]
		if ok && got.Type().Equals(r.Want.Type()) && got.Equals(r.Want).True() {
			continue
		}
		out = append(out, Finding{File: vf.file, Line: vf.lines[r.Variable], Check: "posture", Message: fmt.Sprintf("%s must set %s = %t (%s)", env, r.Variable, r.Want.True(), r.Why)})
	}
	return out
}

// varFile is the literal values of an environment's variable file.
type varFile struct {
	file   string // relative to the repository root
	values map[string]cty.Value
	lines  map[string]int
}

// readVarFile evaluates the literal values of live/<env>.tfvars.
func (t *Tree) readVarFile(env string) (*varFile, []Finding) {
	path := t.abs(LiveDir + "/" + VarFile(env))
	body, diags := parseFile(path)
	if diags.HasErrors() {
		return nil, []Finding{{File: t.rel(path), Check: "envs", Message: "cannot read the variable file: " + diags.Error()}}
	}
	vf := &varFile{file: t.rel(path), values: map[string]cty.Value{}, lines: map[string]int{}}
	var out []Finding
	for name, a := range body.Attributes {
		vf.lines[name] = a.SrcRange.Start.Line
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			out = append(out, Finding{File: vf.file, Line: a.SrcRange.Start.Line, Check: "envs", Message: fmt.Sprintf("%s must be a literal value", name)})
			continue
		}
		vf.values[name] = v
	}
	return vf, out
}

// checkVarFile verifies that the variable file sets every variable without a
// default, no undeclared one, and environment = "<env>".
func (t *Tree) checkVarFile(m *module, env string, vf *varFile) []Finding {
	file, vars := vf.file, vf.values
	var out []Finding
	for _, name := range sortedKeys(m.cfg.Variables) {
		if _, ok := vars[name]; !ok && m.cfg.Variables[name].Required {
			out = append(out, Finding{File: file, Check: "envs", Message: fmt.Sprintf("sets no value for the required variable %q", name)})
		}
	}
	for _, name := range sortedKeys(vars) {
		if _, ok := m.cfg.Variables[name]; !ok {
			out = append(out, Finding{File: file, Line: vf.lines[name], Check: "envs", Message: fmt.Sprintf("sets %q, which the root module does not declare", name)})
		}
	}
	if v, ok := vars["environment"]; ok && (v.Type() != cty.String || v.AsString() != env) {
		out = append(out, Finding{File: file, Line: vf.lines["environment"], Check: "envs", Message: fmt.Sprintf("environment must be %q in %s", env, VarFile(env))})
	}
	return out
}

// checkBackend verifies the S3 backend file: bucket, key and region set,
// encryption and native locking (use_lockfile) on, no DynamoDB table.
func (t *Tree) checkBackend(env string) []Finding {
	path := t.abs(LiveDir + "/" + BackendFile(env))
	body, diags := parseFile(path)
	if diags.HasErrors() {
		return []Finding{{File: t.rel(path), Check: "envs", Message: "cannot read the backend file: " + diags.Error()}}
	}
	var out []Finding
	get := func(name string) (cty.Value, hcl.Range, bool) {
		a, ok := body.Attributes[name]
		if !ok {
			return cty.NilVal, hcl.Range{}, false
		}
		v, diags := a.Expr.Value(nil)
		return v, a.SrcRange, !diags.HasErrors()
	}
	for _, name := range []string{"bucket", "key", "region"} {
		if v, _, ok := get(name); !ok || v.Type() != cty.String || v.AsString() == "" {
			out = append(out, Finding{File: t.rel(path), Check: "envs", Message: fmt.Sprintf("backend sets no %s", name)})
		}
	}
	for _, name := range []string{"use_lockfile", "encrypt"} {
		if v, _, ok := get(name); !ok || v.Type() != cty.Bool || !v.True() {
			out = append(out, Finding{File: t.rel(path), Check: "envs", Message: fmt.Sprintf("backend must set %s = true", name)})
		}
	}
	if _, r, ok := get("dynamodb_table"); ok {
		out = append(out, Finding{File: t.rel(path), Line: r.Start.Line, Check: "envs", Message: "dynamodb_table is deprecated: state locking uses use_lockfile"})
	}
	return out
}
