package tfcheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// VarFile and BackendFile name the files that set an environment's variables
// and its state backend inside a stack folder.
func VarFile(env string) string { return env + ".tfvars" }

// BackendFile names the backend configuration file of env in a stack folder.
func BackendFile(env string) string { return env + ".backend.hcl" }

// postureRule is a variable an environment must set to a value: the promises
// the inline checkov skips rely on (Multi-AZ, deletion protection, ...).
type postureRule struct {
	env, variable string
	want          cty.Value
}

func postureRules() []postureRule {
	var rules []postureRule
	for _, v := range []string{"db_multi_az", "db_deletion_protection", "db_insights_and_monitoring", "db_cross_region_backups", "s3_replication", "backup_vault_lock"} {
		rules = append(rules, postureRule{"prod", v, cty.True})
	}
	rules = append(rules, postureRule{"prod", "single_nat_gateway", cty.False})
	for _, v := range []string{"db_multi_az", "db_deletion_protection", "db_insights_and_monitoring"} {
		rules = append(rules, postureRule{"staging", v, cty.True})
	}
	rules = append(rules, postureRule{"staging", "single_nat_gateway", cty.False})
	return rules
}

// checkEnvs verifies the environment roots: identical .tf files (they differ
// only by their variable file), a variable file that sets every variable
// without a default and no undeclared one, an S3 backend file with native
// locking, the posture rules of staging and prod, and a bootstrap variable
// and backend file per environment.
func (t *Tree) checkEnvs(mods map[string]*module) ([]Finding, error) {
	var out []Finding
	if len(t.Envs) == 0 {
		return nil, nil
	}
	first := "envs/" + t.Envs[0]
	for _, env := range t.Envs {
		rel := "envs/" + env
		m := mods[rel]
		if m == nil {
			out = append(out, Finding{File: "infrastructure/" + rel, Check: "envs", Message: "environment folder has no .tf files"})
			continue
		}
		if rel != first {
			fs, err := t.compareRoots(first, rel)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		}
		vars, fs := t.readVarFile(rel, env)
		out = append(out, fs...)
		if vars != nil && m.cfg != nil {
			out = append(out, t.checkVarFile(m, env, vars)...)
			for _, r := range postureRules() {
				if r.env != env {
					continue
				}
				got, ok := vars[r.variable]
				if !ok || !got.Type().Equals(r.want.Type()) || !got.Equals(r.want).True() {
					out = append(out, Finding{File: t.rel(t.abs(rel + "/" + VarFile(env))), Check: "envs", Message: fmt.Sprintf("%s must set %s = %t", env, r.variable, r.want.True())})
				}
			}
		}
		out = append(out, t.checkBackend(rel, env)...)
		if _, ok := mods["bootstrap"]; ok {
			for _, f := range []string{VarFile(env), BackendFile(env)} {
				if _, err := os.Stat(t.abs("bootstrap/" + f)); err != nil {
					out = append(out, Finding{File: "infrastructure/bootstrap", Check: "envs", Message: "no " + f + " for environment " + env})
				}
			}
		}
	}
	return out, nil
}

// compareRoots reports .tf files of b that differ from, or are missing in, a.
func (t *Tree) compareRoots(a, b string) ([]Finding, error) {
	list := func(rel string) (map[string][]byte, error) {
		entries, err := os.ReadDir(t.abs(rel))
		if err != nil {
			return nil, err
		}
		files := map[string][]byte{}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".tf") {
				data, err := os.ReadFile(filepath.Join(t.abs(rel), e.Name()))
				if err != nil {
					return nil, err
				}
				files[e.Name()] = data
			}
		}
		return files, nil
	}
	fa, err := list(a)
	if err != nil {
		return nil, err
	}
	fb, err := list(b)
	if err != nil {
		return nil, err
	}
	var out []Finding
	names := map[string]bool{}
	for n := range fa {
		names[n] = true
	}
	for n := range fb {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	why := "environment roots are the same code and differ only in <env>.tfvars"
	for _, n := range sorted {
		da, inA := fa[n]
		db, inB := fb[n]
		switch {
		case !inA:
			out = append(out, Finding{File: "infrastructure/" + b + "/" + n, Check: "envs", Message: "not in infrastructure/" + a + ": " + why})
		case !inB:
			out = append(out, Finding{File: "infrastructure/" + b, Check: "envs", Message: "has no " + n + " (infrastructure/" + a + " does): " + why})
		case !bytes.Equal(da, db):
			out = append(out, Finding{File: "infrastructure/" + b + "/" + n, Line: firstDiffLine(da, db), Check: "envs", Message: "differs from infrastructure/" + a + "/" + n + ": " + why})
		}
	}
	return out, nil
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(la) && i < len(lb); i++ {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// readVarFile evaluates the literal values of envs/<env>/<env>.tfvars.
func (t *Tree) readVarFile(rel, env string) (map[string]cty.Value, []Finding) {
	path := t.abs(rel + "/" + VarFile(env))
	body, diags := parseFile(path)
	if diags.HasErrors() {
		return nil, []Finding{{File: t.rel(path), Check: "envs", Message: "cannot read the variable file: " + diags.Error()}}
	}
	vals := map[string]cty.Value{}
	var out []Finding
	for name, a := range body.Attributes {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			out = append(out, Finding{File: t.rel(path), Line: a.SrcRange.Start.Line, Check: "envs", Message: fmt.Sprintf("%s must be a literal value", name)})
			continue
		}
		vals[name] = v
	}
	return vals, out
}

// checkVarFile verifies that the variable file sets every variable without a
// default, no undeclared one, and environment = "<env>".
func (t *Tree) checkVarFile(m *module, env string, vars map[string]cty.Value) []Finding {
	file := t.rel(t.abs(m.rel + "/" + VarFile(env)))
	var out []Finding
	for _, name := range sortedKeys(m.cfg.Variables) {
		if _, ok := vars[name]; !ok && m.cfg.Variables[name].Required {
			out = append(out, Finding{File: file, Check: "envs", Message: fmt.Sprintf("sets no value for the required variable %q", name)})
		}
	}
	for _, name := range sortedKeys(vars) {
		if _, ok := m.cfg.Variables[name]; !ok {
			out = append(out, Finding{File: file, Check: "envs", Message: fmt.Sprintf("sets %q, which the root module does not declare", name)})
		}
	}
	if v, ok := vars["environment"]; ok && (v.Type() != cty.String || v.AsString() != env) {
		out = append(out, Finding{File: file, Check: "envs", Message: fmt.Sprintf("environment must be %q in the %s folder", env, env)})
	}
	return out
}

// checkBackend verifies the S3 backend file: bucket, key and region set,
// encryption and native locking (use_lockfile) on, no DynamoDB table.
func (t *Tree) checkBackend(rel, env string) []Finding {
	path := t.abs(rel + "/" + BackendFile(env))
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
