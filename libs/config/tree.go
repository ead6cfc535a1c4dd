package config

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// nodeKind is the shape of a value in the merged tree.
type nodeKind uint8

const (
	scalarNode nodeKind = iota + 1
	seqNode
	mapNode
)

// node is one value of a layer, or of the merge of layers. Scalars and
// sequences keep their YAML node so the decoder can read them into the Go
// type it finds; mappings are split so that layers merge key by key.
type node struct {
	kind    nodeKind
	yn      *yaml.Node // scalarNode, seqNode
	fromVar bool       // a scalar set by an environment variable
	keys    []string   // mapNode: keys in order
	kids    map[string]*node
	origin  Origin // where the value was set (a mapping: its key)
}

// isNull reports whether n holds nothing: YAML null, or an empty value. A
// null never replaces a lower layer's value.
func (n *node) isNull() bool {
	return n == nil || (n.kind == scalarNode && !n.fromVar && n.yn.ShortTag() == "!!null")
}

// describe names the shape of n for type errors.
func (n *node) describe() string {
	switch n.kind {
	case mapNode:
		return "a mapping"
	case seqNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.yn.Value)
}

// maxNodes bounds the nodes one file may expand to, so that nested aliases
// (a "billion laughs" document) fail instead of exhausting memory.
const maxNodes = 100_000

// parseLayer reads one YAML file of a layer into a tree. An empty document
// gives nil.
func parseLayer(file string, layer Layer, data []byte) (*node, Problems) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{syntaxProblem(file, layer, err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	p := &parser{file: file, layer: layer, budget: maxNodes}
	root := p.convert(doc.Content[0], doc.Content[0].Line)
	if len(p.probs) > 0 {
		return nil, p.probs
	}
	if root.isNull() {
		return nil, nil
	}
	if root.kind != mapNode {
		return nil, Problems{{Origin: root.origin, Kind: ErrType, Msg: "the top level must be a mapping of sections (shared:, orders-api:, ...), got " + root.describe()}}
	}
	return root, nil
}

// syntaxProblem turns a YAML parser error into a Problem at its line.
func syntaxProblem(file string, layer Layer, err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	o := Origin{Layer: layer, File: file}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		var line int
		if n, _ := fmt.Sscanf(rest, "%d:", &line); n == 1 {
			o.Line = line
			msg = strings.TrimSpace(rest[strings.Index(rest, ":")+1:])
			if strings.HasPrefix(msg, "did not find expected") {
				o.Line++ // yaml counts parser (not scanner) error lines from 0
			}
		}
	}
	return &Problem{Origin: o, Kind: ErrSyntax, Msg: "malformed YAML: " + msg}
}

type parser struct {
	file   string
	layer  Layer
	budget int
	probs  Problems
}

func (p *parser) origin(line int) Origin { return Origin{Layer: p.layer, File: p.file, Line: line} }

// convert turns a YAML node into a tree node set at line (the line of its key).
func (p *parser) convert(y *yaml.Node, line int) *node {
	p.budget--
	if p.budget < 0 {
		if p.budget == -1 {
			p.probs = append(p.probs, &Problem{Origin: p.origin(line), Kind: ErrSyntax, Msg: fmt.Sprintf("document expands to more than %d values (nested aliases?)", maxNodes)})
		}
		return &node{kind: scalarNode, yn: &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}, origin: p.origin(line)}
	}
	switch y.Kind {
	case yaml.AliasNode:
		return p.convert(y.Alias, line)
	case yaml.SequenceNode:
		return &node{kind: seqNode, yn: y, origin: p.origin(line)}
	case yaml.MappingNode:
		return p.mapping(y, line)
	case yaml.DocumentNode:
		if len(y.Content) > 0 {
			return p.convert(y.Content[0], line)
		}
	}
	return &node{kind: scalarNode, yn: y, origin: p.origin(line)}
}

func (p *parser) mapping(y *yaml.Node, line int) *node {
	n := &node{kind: mapNode, kids: map[string]*node{}, origin: p.origin(line)}
	var merges []*node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			p.probs = append(p.probs, &Problem{Origin: p.origin(k.Line), Kind: ErrType, Msg: "mapping keys must be plain strings"})
			continue
		}
		if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0 && k.ShortTag() == "!!merge") {
			merges = append(merges, p.convert(v, k.Line))
			continue
		}
		if prev, dup := n.kids[k.Value]; dup {
			p.probs = append(p.probs, &Problem{Origin: p.origin(k.Line), Kind: ErrSyntax, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, prev.origin.Line)})
			continue
		}
		n.keys = append(n.keys, k.Value)
		n.kids[k.Value] = p.convert(v, k.Line)
	}
	// Merge keys (<<: *defaults) supply the keys the mapping does not set.
	for _, m := range merges {
		var srcs []*node
		switch {
		case m.kind == mapNode:
			srcs = []*node{m}
		case m.kind == seqNode:
			for _, item := range m.yn.Content {
				srcs = append(srcs, p.convert(item, m.origin.Line))
			}
		}
		for _, s := range srcs {
			if s.kind != mapNode {
				p.probs = append(p.probs, &Problem{Origin: m.origin, Kind: ErrType, Msg: "<< merges only mappings"})
				continue
			}
			for _, k := range s.keys {
				if _, ok := n.kids[k]; !ok {
					n.keys = append(n.keys, k)
					n.kids[k] = s.kids[k]
				}
			}
		}
	}
	return n
}

// merge returns b laid over a: mappings merge key by key, anything else in b
// replaces a, and a null in b leaves a as it is. Neither input changes.
func merge(a, b *node) *node {
	switch {
	case b.isNull() && a != nil:
		return a
	case a.isNull():
		return b
	case a.kind != mapNode || b.kind != mapNode:
		return b
	}
	out := &node{kind: mapNode, origin: a.origin, kids: make(map[string]*node, len(a.keys)+len(b.keys))}
	out.keys = append(out.keys, a.keys...)
	for _, k := range a.keys {
		out.kids[k] = a.kids[k]
	}
	for _, k := range b.keys {
		if _, ok := out.kids[k]; !ok {
			out.keys = append(out.keys, k)
		}
		out.kids[k] = merge(out.kids[k], b.kids[k])
	}
	return out
}

// VarName returns the environment variable that sets the key at path, such
// as ORDERS_API__HTTP__LISTEN for [orders-api http listen].
func VarName(path ...string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = varPart(p)
	}
	return strings.Join(parts, "__")
}

func varPart(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s))
}

// varsLayer maps the environment variables that start with a known section
// (SHARED__, ORDERS_API__, ...) to a tree. Other variables are not ours and
// are ignored, and so are empty ones. A key part matches an existing key of
// files regardless of case and of - versus _, so BLOBS__SALES_EXPORTS__BUCKET
// reaches blobs.sales-exports.bucket; otherwise it is lower-cased.
func varsLayer(environ []string, sections []string, files *node) *node {
	bySection := map[string]string{}
	for _, s := range sections {
		bySection[varPart(s)] = s
	}
	vars := append([]string(nil), environ...)
	sort.Strings(vars)
	var root *node
	for _, kv := range vars {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || val == "" {
			continue
		}
		parts := strings.Split(name, "__")
		sec, known := bySection[parts[0]]
		if len(parts) < 2 || !known {
			continue
		}
		path := []string{sec}
		cur := child(files, sec)
		for _, p := range parts[1:] {
			key := strings.ToLower(p)
			if cur != nil && cur.kind == mapNode {
				for _, k := range cur.keys {
					if varPart(k) == varPart(p) {
						key = k
						break
					}
				}
			}
			path = append(path, key)
			cur = child(cur, key)
		}
		leaf := &node{kind: scalarNode, fromVar: true, yn: &yaml.Node{Kind: yaml.ScalarNode, Value: val}, origin: Origin{Layer: LayerVar, Var: name}}
		for i := len(path) - 1; i >= 0; i-- {
			leaf = &node{kind: mapNode, keys: []string{path[i]}, kids: map[string]*node{path[i]: leaf}, origin: Origin{Layer: LayerVar, Var: name}}
		}
		root = merge(root, leaf)
	}
	return root
}

// child returns the value under key of a mapping node, or nil.
func child(n *node, key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	return n.kids[key]
}
