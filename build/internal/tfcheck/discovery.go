package tfcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/build/internal/suggest"
)

// DiscoveryModule is the module whose parameters programs read through
// ssm:// references.
const DiscoveryModule = "modules/discovery"

// Published returns the SSM parameter names the environment root publishes
// through the discovery module with the variables of env, sorted, with
// findings for what cannot be read statically.
func (t *Tree) Published(env string) ([]string, []Finding, error) {
	m, err := t.loadModule(LiveDir)
	if err != nil {
		return nil, nil, err
	}
	names, found := t.published(m, env)
	return names, found, nil
}

func (t *Tree) published(m *module, env string) ([]string, []Finding) {
	vf, out := t.readVarFile(env)
	if vf == nil {
		return nil, out
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vf.values)}}
	var names []string
	calls := 0
	for _, b := range m.blocks("module") {
		src, ok := b.Body.Attributes["source"]
		if !ok {
			continue
		}
		v, diags := src.Expr.Value(nil)
		if diags.HasErrors() || v.Type() != cty.String || resolveSource(m.rel, v.AsString()) != DiscoveryModule {
			continue
		}
		calls++
		file := t.rel(b.file.path)
		str := func(name string) (string, bool) {
			a, ok := b.Body.Attributes[name]
			if !ok {
				out = append(out, Finding{File: file, Line: b.DefRange().Start.Line, Check: "discovery", Message: fmt.Sprintf("module %q sets no %s", b.Labels[0], name)})
				return "", false
			}
			v, diags := a.Expr.Value(ctx)
			if diags.HasErrors() || v.Type() != cty.String || !v.IsKnown() {
				out = append(out, Finding{File: file, Line: a.SrcRange.Start.Line, Check: "discovery", Message: fmt.Sprintf("module %q: %s must be a literal or a variable set in %s", b.Labels[0], name, VarFile(env))})
				return "", false
			}
			return v.AsString(), true
		}
		project, ok1 := str("project")
		environment, ok2 := str("environment")
		params, ok := b.Body.Attributes["parameters"]
		if !ok {
			out = append(out, Finding{File: file, Line: b.DefRange().Start.Line, Check: "discovery", Message: fmt.Sprintf("module %q sets no parameters", b.Labels[0])})
			continue
		}
		obj, isObj := params.Expr.(*hclsyntax.ObjectConsExpr)
		if !isObj {
			out = append(out, Finding{File: file, Line: params.SrcRange.Start.Line, Check: "discovery", Message: "parameters must be an object literal with literal keys, so that the names programs read can be checked"})
			continue
		}
		if !ok1 || !ok2 {
			continue
		}
		for _, item := range obj.Items {
			k, diags := item.KeyExpr.Value(nil)
			if diags.HasErrors() || k.Type() != cty.String {
				out = append(out, Finding{File: file, Line: item.KeyExpr.Range().Start.Line, Check: "discovery", Message: "parameter keys must be literal strings"})
				continue
			}
			names = append(names, "/"+project+"/"+environment+"/"+k.AsString())
		}
	}
	if calls == 0 {
		out = append(out, Finding{File: "infrastructure/" + m.rel, Check: "discovery", Message: "the environment root calls no discovery module (source = \"../" + DiscoveryModule + "\"): programs could not find its resources"})
	}
	sort.Strings(names)
	return names, out
}

// Ref is an ssm:// reference found in a configuration file.
type Ref struct {
	File string // relative to the repository root
	Line int
	Raw  string // as written
	Name string // the parameter name, with a leading /
}

// SSMRefs returns the ssm:// references in a YAML file, in file order.
// ssm:///acme/dev/x and ssm://acme/dev/x both name /acme/dev/x (as
// libs/config reads them).
func SSMRefs(path, display string) ([]Ref, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	var refs []Ref
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "ssm://") {
			name := strings.TrimLeft(strings.TrimPrefix(n.Value, "ssm://"), "/")
			refs = append(refs, Ref{File: display, Line: n.Line, Raw: n.Value, Name: "/" + name})
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	return refs, nil
}

// checkDiscovery verifies, per environment, that every ssm:// name that
// config/<env>.yaml reads is published by the environment root's discovery
// module with the environment's variables.
// An environment without a configuration file yet is only checked for its
// discovery module.
func (t *Tree) checkDiscovery(mods map[string]*module) ([]Finding, error) {
	var out []Finding
	m := mods[LiveDir]
	if m == nil {
		return nil, nil
	}
	for _, env := range t.Envs {
		names, found := t.published(m, env)
		out = append(out, found...)
		if t.ConfigDir == "" {
			continue
		}
		display := filepath.ToSlash(filepath.Join(t.ConfigDir, env+".yaml"))
		refs, err := SSMRefs(filepath.Join(t.Root, filepath.FromSlash(display)), display)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			out = append(out, Finding{File: display, Check: "discovery", Message: err.Error()})
			continue
		}
		out = append(out, MissingRefs(refs, names, Publisher(env))...)
	}
	return out, nil
}

// Publisher names, for findings, what publishes the parameters of env: the
// environment root with the environment's variable file.
func Publisher(env string) string {
	return "infrastructure/" + LiveDir + " with " + VarFile(env)
}

// MissingRefs returns a finding for every reference whose name is not among
// the published names.
func MissingRefs(refs []Ref, published []string, publisher string) []Finding {
	set := map[string]bool{}
	for _, n := range published {
		set[n] = true
	}
	var out []Finding
	for _, r := range refs {
		if set[r.Name] {
			continue
		}
		msg := fmt.Sprintf("%s: parameter %s is not published by the discovery module of %s", r.Raw, r.Name, publisher)
		if s := suggest.Closest(r.Name, published); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		out = append(out, Finding{File: r.File, Line: r.Line, Check: "discovery", Message: msg})
	}
	return out
}
