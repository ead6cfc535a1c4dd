package tfcheck

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// RequiredTags are the cost-allocation tags every resource carries, set
// through default_tags in each aws provider block of every root module.
func RequiredTags() []string {
	return []string{"Project", "Environment", "Owner", "CostCenter", "ManagedBy"}
}

// checkProviders verifies that modules configure no providers (a provider
// block inside a module would drop the caller's default_tags) and that every
// aws provider block of a root module or example sets default_tags with all
// required tags.
func (t *Tree) checkProviders(mods map[string]*module) []Finding {
	var out []Finding
	for _, rel := range sortedKeys(mods) {
		m := mods[rel]
		providers := m.blocks("provider")
		if m.kind == KindModule {
			for _, p := range providers {
				out = append(out, Finding{File: t.rel(p.file.path), Line: p.DefRange().Start.Line, Check: "tags", Message: "modules configure no providers: the root module passes them, with default_tags"})
			}
			continue
		}
		hasAWS := false
		for _, p := range providers {
			if len(p.Labels) != 1 || p.Labels[0] != "aws" {
				continue
			}
			hasAWS = true
			out = append(out, t.checkDefaultTags(m, p)...)
		}
		if !hasAWS && (len(m.blocks("resource")) > 0 || len(m.blocks("module")) > 0) {
			out = append(out, Finding{File: "infrastructure/" + rel, Check: "tags", Message: "root module has no provider \"aws\" block with default_tags: its resources would carry no cost-allocation tags"})
		}
	}
	return out
}

func (t *Tree) checkDefaultTags(m *module, p *blockIn) []Finding {
	at := func(line int, format string, args ...any) []Finding {
		return []Finding{{File: t.rel(p.file.path), Line: line, Check: "tags", Message: providerName(p) + ": " + fmt.Sprintf(format, args...)}}
	}
	var dt *hclsyntax.Block
	for _, b := range p.Body.Blocks {
		if b.Type == "default_tags" {
			dt = b
		}
	}
	if dt == nil {
		return at(p.DefRange().Start.Line, "no default_tags block; every resource needs the tags %s", strings.Join(RequiredTags(), ", "))
	}
	tagsAttr, ok := dt.Body.Attributes["tags"]
	if !ok {
		return at(dt.DefRange().Start.Line, "default_tags sets no tags")
	}
	obj, why := resolveObject(m, tagsAttr.Expr)
	if obj == nil {
		return at(tagsAttr.SrcRange.Start.Line, "default_tags.tags must be an object literal or a local holding one (%s)", why)
	}
	keys := map[string]bool{}
	for _, item := range obj.Items {
		k, diags := item.KeyExpr.Value(nil)
		if diags.HasErrors() || k.Type() != cty.String {
			continue
		}
		if v, diags := item.ValueExpr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && strings.TrimSpace(v.AsString()) == "" {
			continue // an empty literal value does not count
		}
		keys[k.AsString()] = true
	}
	var missing []string
	for _, k := range RequiredTags() {
		if !keys[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return at(tagsAttr.SrcRange.Start.Line, "default_tags lacks the required cost-allocation tags %s", strings.Join(missing, ", "))
	}
	return nil
}

// resolveObject returns the object constructor an expression is, or the one
// held by the local it references.
func resolveObject(m *module, e hclsyntax.Expression) (*hclsyntax.ObjectConsExpr, string) {
	switch x := e.(type) {
	case *hclsyntax.ObjectConsExpr:
		return x, ""
	case *hclsyntax.ScopeTraversalExpr:
		if x.Traversal.RootName() != "local" || len(x.Traversal) != 2 {
			return nil, "it references " + traversalString(x.Traversal)
		}
		name := x.Traversal[1].(hcl.TraverseAttr).Name
		for _, b := range m.blocks("locals") {
			if a, ok := b.Body.Attributes[name]; ok {
				if obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok {
					return obj, ""
				}
				return nil, "local." + name + " is not an object literal"
			}
		}
		return nil, "local." + name + " is not defined"
	}
	return nil, "it is a computed expression"
}

func providerName(p *blockIn) string {
	name := "provider " + p.Labels[0]
	if a, ok := p.Body.Attributes["alias"]; ok {
		if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
			name += "." + v.AsString()
		}
	}
	return name
}
