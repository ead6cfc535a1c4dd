package tfcheck

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"
)

// module is one Terraform folder, read both ways: terraform-config-inspect
// for its declared interface, hclsyntax for argument-level detail.
type module struct {
	rel   string // relative to the infrastructure folder
	kind  Kind
	cfg   *tfconfig.Module
	files []*file // sorted by name
	diags []Finding
}

type file struct {
	path string // OS path
	src  []byte
	body *hclsyntax.Body
}

// blocks returns the top-level blocks of type typ over all files.
func (m *module) blocks(typ string) []*blockIn {
	var out []*blockIn
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type == typ {
				out = append(out, &blockIn{Block: b, file: f})
			}
		}
	}
	return out
}

type blockIn struct {
	*hclsyntax.Block
	file *file
}

// load reads every Terraform folder of the tree, keyed by its path relative
// to the infrastructure folder.
func (t *Tree) load() (map[string]*module, error) {
	dirs, err := t.Folders()
	if err != nil {
		return nil, err
	}
	mods := map[string]*module{}
	for _, d := range dirs {
		m, err := t.loadModule(d)
		if err != nil {
			return nil, err
		}
		mods[d] = m
	}
	return mods, nil
}

func (t *Tree) loadModule(rel string) (*module, error) {
	dir := t.abs(rel)
	m := &module{rel: rel, kind: KindOf(rel)}
	cfg, diags := tfconfig.LoadModule(dir)
	m.cfg = cfg
	for _, d := range diags {
		if d.Severity != tfconfig.DiagError {
			continue
		}
		f := Finding{File: t.rel(dir), Check: "syntax", Message: strings.TrimSpace(d.Summary + ": " + d.Detail)}
		if d.Pos != nil {
			f.File, f.Line = t.rel(d.Pos.Filename), d.Pos.Line
		}
		m.diags = append(m.diags, f)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	parser := hclparse.NewParser()
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		hf, diags := parser.ParseHCL(src, p)
		if diags.HasErrors() {
			// Reported through tfconfig's diagnostics above.
			continue
		}
		m.files = append(m.files, &file{path: p, src: src, body: hf.Body.(*hclsyntax.Body)})
	}
	sort.Slice(m.files, func(i, j int) bool { return m.files[i].path < m.files[j].path })
	return m, nil
}

// resolveSource returns the folder (relative to the infrastructure folder)
// that a local module source names, or "" for a non-local source.
func resolveSource(from, source string) string {
	if !strings.HasPrefix(source, "./") && !strings.HasPrefix(source, "../") {
		return ""
	}
	return filepath.ToSlash(filepath.Clean(filepath.Join(filepath.FromSlash(from), filepath.FromSlash(source))))
}

// parseFile parses one HCL file (a .tfvars or .hcl file) into its body.
func parseFile(path string) (*hclsyntax.Body, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: err.Error()}}
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return f.Body.(*hclsyntax.Body), nil
}
