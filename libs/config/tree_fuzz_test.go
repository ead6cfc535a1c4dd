package config

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// dump writes a tree as sorted path=value@origin lines, for comparing trees.
func dump(n *node) string {
	var lines []string
	var walk func(path string, n *node)
	walk = func(path string, n *node) {
		switch {
		case n == nil:
		case n.kind == mapNode:
			for _, k := range n.keys {
				walk(path+"/"+k, n.kids[k])
			}
		case n.isNull():
			lines = append(lines, path+"=~")
		default:
			lines = append(lines, fmt.Sprintf("%s=%s@%s", path, n.yn.Value, n.origin.Where()))
		}
	}
	walk("", n)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// leaves returns the non-null leaves of a tree by path.
func leaves(n *node) map[string]*node {
	out := map[string]*node{}
	var walk func(path string, n *node)
	walk = func(path string, n *node) {
		switch {
		case n == nil || n.isNull():
		case n.kind == mapNode:
			for _, k := range n.keys {
				walk(path+"/"+k, n.kids[k])
			}
		default:
			out[path] = n
		}
	}
	walk("", n)
	return out
}

// FuzzMerge checks the layer merge on arbitrary YAML documents: it never
// panics or changes its inputs, a value of the later layer always wins, an
// earlier value survives unless a later one covers its path, null is
// neutral and the merge is associative.
func FuzzMerge(f *testing.F) {
	seeds := [][3]string{
		{"shared:\n  log:\n    level: info\n", "shared:\n  log:\n    level: debug\n", ""},
		{"a:\n  b: 1\n  c: 2\n", "a:\n  b: 3\n", "a: 4\n"},
		{"a: [1, 2]\n", "a: {b: 1}\n", "a:\n"},
		{"a: &x {b: 1}\nc: *x\n", "c:\n  b: 2\n  d: ~\n", "c: {e: 3}\n"},
		{"x: {<<: {a: 1}, b: 2}\n", "x: {a: 5}\n", "{}"},
		{"a: 1\n", "- 1\n", "a: [\n"},
		{"", "", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var layers []*node
		for i, src := range []string{a, b, c} {
			n, probs := parseLayer(fmt.Sprintf("l%d.yaml", i), Layer(i+1), []byte(src))
			if len(probs) > 0 {
				return
			}
			layers = append(layers, n)
		}
		na, nb, nc := layers[0], layers[1], layers[2]
		before := dump(na) + dump(nb) + dump(nc)
		ab := merge(na, nb)
		if got := dump(na) + dump(nb) + dump(nc); got != before {
			t.Fatalf("merge changed its inputs")
		}
		if dump(merge(ab, nc)) != dump(merge(na, merge(nb, nc))) {
			t.Errorf("merge is not associative:\n%s\n---\n%s", dump(merge(ab, nc)), dump(merge(na, merge(nb, nc))))
		}
		if dump(merge(na, nil)) != dump(na) || dump(merge(nil, na)) != dump(na) {
			t.Errorf("nil is not neutral")
		}
		got := leaves(ab)
		for path, leaf := range leaves(nb) {
			if got[path] != leaf {
				t.Errorf("%s: the later layer's value lost", path)
			}
		}
		for path, leaf := range leaves(na) {
			if got[path] == leaf {
				continue
			}
			// Lost only where b covers the path or one of its parents.
			covered := false
			for p := path; p != ""; p = p[:strings.LastIndex(p, "/")] {
				if bn := at(nb, p); bn != nil && !bn.isNull() && (bn.kind != mapNode || p == path) {
					covered = true
				}
			}
			if !covered {
				t.Errorf("%s: the earlier layer's value lost with nothing covering it", path)
			}
		}
	})
}

// at returns the node at a /-separated path.
func at(n *node, path string) *node {
	for _, k := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		n = child(n, k)
	}
	return n
}
