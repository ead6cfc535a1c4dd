package tfcheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/acme/platform/build/internal/suggest"
)

// moduleMetaArgs are the arguments of a module block that are not inputs.
var moduleMetaArgs = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true}

// checkInterfaces verifies, in every folder: variables have a type and a
// description, outputs a description; each call of a local module passes
// only variables the module declares and all it requires, and the provider
// configurations it needs; every module.X.Y reference names a module call
// of the folder and an output of that module; every var.X and local.X
// reference is declared.
func (t *Tree) checkInterfaces(mods map[string]*module) []Finding {
	var out []Finding
	for _, rel := range sortedKeys(mods) {
		m := mods[rel]
		out = append(out, m.diags...)
		if m.cfg == nil {
			continue
		}
		for _, name := range sortedKeys(m.cfg.Variables) {
			v := m.cfg.Variables[name]
			if v.Type == "" {
				out = append(out, Finding{File: t.rel(v.Pos.Filename), Line: v.Pos.Line, Check: "interface", Message: fmt.Sprintf("variable %q has no type", name)})
			}
			if strings.TrimSpace(v.Description) == "" {
				out = append(out, Finding{File: t.rel(v.Pos.Filename), Line: v.Pos.Line, Check: "interface", Message: fmt.Sprintf("variable %q has no description", name)})
			}
		}
		for _, name := range sortedKeys(m.cfg.Outputs) {
			o := m.cfg.Outputs[name]
			if strings.TrimSpace(o.Description) == "" {
				out = append(out, Finding{File: t.rel(o.Pos.Filename), Line: o.Pos.Line, Check: "interface", Message: fmt.Sprintf("output %q has no description", name)})
			}
		}
		calls := map[string]*module{} // module call name -> called module (nil if not local)
		for _, b := range m.blocks("module") {
			if len(b.Labels) != 1 {
				continue
			}
			target, fs := t.checkCall(m, b, mods)
			calls[b.Labels[0]] = target
			out = append(out, fs...)
		}
		out = append(out, t.checkReferences(m, calls)...)
	}
	return out
}

// checkCall verifies one module block and returns the module it calls.
func (t *Tree) checkCall(m *module, b *blockIn, mods map[string]*module) (*module, []Finding) {
	name := b.Labels[0]
	at := func(r hcl.Range, format string, args ...any) Finding {
		return Finding{File: t.rel(b.file.path), Line: r.Start.Line, Check: "interface", Message: fmt.Sprintf("module %q: ", name) + fmt.Sprintf(format, args...)}
	}
	srcAttr, ok := b.Body.Attributes["source"]
	if !ok {
		return nil, []Finding{at(b.DefRange(), "no source")}
	}
	v, diags := srcAttr.Expr.Value(nil)
	if diags.HasErrors() || v.Type().FriendlyName() != "string" {
		return nil, []Finding{at(srcAttr.SrcRange, "source must be a literal string")}
	}
	source := v.AsString()
	targetRel := resolveSource(m.rel, source)
	if targetRel == "" {
		return nil, nil // registry or remote module: not ours to check
	}
	target := mods[targetRel]
	if target == nil || target.cfg == nil {
		return nil, []Finding{at(srcAttr.SrcRange, "source %q is no Terraform folder", source)}
	}
	if target.kind != KindModule {
		return target, []Finding{at(srcAttr.SrcRange, "source %q is not a module under modules/", source)}
	}
	var out []Finding
	declared := sortedKeys(target.cfg.Variables)
	for _, arg := range sortedKeys(b.Body.Attributes) {
		if moduleMetaArgs[arg] {
			continue
		}
		if _, ok := target.cfg.Variables[arg]; !ok {
			msg := fmt.Sprintf("unknown argument %q: %s declares no such variable", arg, "infrastructure/"+targetRel)
			if s := suggest.Closest(arg, declared); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			out = append(out, at(b.Body.Attributes[arg].SrcRange, "%s", msg))
		}
	}
	for _, v := range declared {
		if target.cfg.Variables[v].Required {
			if _, ok := b.Body.Attributes[v]; !ok {
				out = append(out, at(b.DefRange(), "missing required argument %q", v))
			}
		}
	}
	// Provider configurations the module needs (configuration_aliases).
	passed := map[string]bool{}
	if p, ok := b.Body.Attributes["providers"]; ok {
		if obj, ok := p.Expr.(*hclsyntax.ObjectConsExpr); ok {
			for _, item := range obj.Items {
				if tr, diags := hcl.AbsTraversalForExpr(item.KeyExpr); !diags.HasErrors() {
					passed[traversalString(tr)] = true
				}
			}
		}
	}
	for _, pname := range sortedKeys(target.cfg.RequiredProviders) {
		for _, alias := range target.cfg.RequiredProviders[pname].ConfigurationAliases {
			key := alias.Name + "." + alias.Alias
			if !passed[key] {
				out = append(out, at(b.DefRange(), "the module needs provider configuration %s: pass it in providers = { %s = ... }", key, key))
			}
		}
	}
	return target, out
}

// addressBlocks hold resource addresses, not expressions: moved { from = ...
// to = module.kms.aws_kms_key.this } names a resource inside a module.
var addressBlocks = map[string]bool{"moved": true, "removed": true, "import": true}

// checkReferences verifies module.X.Y, var.X and local.X references outside
// moved, removed and import blocks.
func (t *Tree) checkReferences(m *module, calls map[string]*module) []Finding {
	locals := map[string]bool{}
	for _, b := range m.blocks("locals") {
		for name := range b.Body.Attributes {
			locals[name] = true
		}
	}
	var out []Finding
	seen := map[string]bool{}
	add := func(f Finding) {
		k := f.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if addressBlocks[b.Type] {
				continue
			}
			_ = hclsyntax.VisitAll(b, func(n hclsyntax.Node) hcl.Diagnostics {
				var tr hcl.Traversal
				var rest hcl.Traversal
				switch e := n.(type) {
				case *hclsyntax.ScopeTraversalExpr:
					tr = e.Traversal
				case *hclsyntax.RelativeTraversalExpr:
					// module.x["key"].output: the index expression is not folded
					// into the traversal when the key is not a literal.
					if ix, ok := e.Source.(*hclsyntax.IndexExpr); ok {
						if st, ok := ix.Collection.(*hclsyntax.ScopeTraversalExpr); ok {
							tr, rest = st.Traversal, e.Traversal
						}
					}
				default:
					return nil
				}
				if len(tr) < 2 {
					return nil
				}
				line := tr.SourceRange().Start.Line
				attr, ok := tr[1].(hcl.TraverseAttr)
				if !ok {
					return nil
				}
				switch tr.RootName() {
				case "var":
					if _, ok := m.cfg.Variables[attr.Name]; !ok {
						add(Finding{File: t.rel(f.path), Line: line, Check: "interface", Message: fmt.Sprintf("reference to undeclared variable var.%s", attr.Name)})
					}
				case "local":
					if !locals[attr.Name] {
						add(Finding{File: t.rel(f.path), Line: line, Check: "interface", Message: fmt.Sprintf("reference to undefined local.%s", attr.Name)})
					}
				case "module":
					target, ok := calls[attr.Name]
					if !ok {
						add(Finding{File: t.rel(f.path), Line: line, Check: "interface", Message: fmt.Sprintf("reference to undeclared module.%s", attr.Name)})
						return nil
					}
					if target == nil || target.cfg == nil {
						return nil
					}
					output := firstAttr(append(append(hcl.Traversal{}, tr[2:]...), rest...))
					if output == "" {
						return nil
					}
					if _, ok := target.cfg.Outputs[output]; !ok {
						msg := fmt.Sprintf("module.%s.%s: infrastructure/%s has no output %q", attr.Name, output, target.rel, output)
						if s := suggest.Closest(output, sortedKeys(target.cfg.Outputs)); s != "" {
							msg += fmt.Sprintf(" (did you mean %q?)", s)
						}
						add(Finding{File: t.rel(f.path), Line: line, Check: "interface", Message: msg})
					}
				}
				return nil
			})
		}
	}
	return out
}

// firstAttr returns the first attribute name in tr, skipping index steps
// (module.x["key"].name -> name).
func firstAttr(tr hcl.Traversal) string {
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			return s.Name
		case hcl.TraverseIndex, hcl.TraverseSplat:
			continue
		default:
			return ""
		}
	}
	return ""
}

func traversalString(tr hcl.Traversal) string {
	var parts []string
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		}
	}
	return strings.Join(parts, ".")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
