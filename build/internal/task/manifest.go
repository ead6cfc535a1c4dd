package task

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// keyVersion changes when the way keys are computed changes, so older cache
// entries are never mistaken for current ones.
const keyVersion = "mono-run-key-2"

// Manifest is everything the key of one task covers. It is stored after
// each successful run so the next miss can say what changed.
type Manifest struct {
	Component string `json:"component"`
	Dir       string `json:"dir"`
	Target    string `json:"target"`
	Key       string `json:"key"`
	Command   string `json:"command"`
	// Outputs are the output globs as declared.
	Outputs []string `json:"outputs,omitempty"`
	// Env maps each declared variable to a digest of its value (values may
	// be secrets), "" when unset or empty.
	Env map[string]string `json:"env,omitempty"`
	// Tools maps each declared tool to its version.
	Tools map[string]string `json:"tools,omitempty"`
	// Modules maps Go modules (and "go", the go directive) to versions;
	// for a node-app, "npm:<lock key>" of each package it resolves to.
	Modules map[string]string `json:"modules,omitempty"`
	// Files maps input files to digests.
	Files Files `json:"files"`
	// Deps maps each direct dependency to its hash for the same target.
	Deps map[string]string `json:"deps,omitempty"`
}

// Sum computes the key: sha256 over a canonical form of every field.
func (m *Manifest) Sum() string {
	h := sha256.New()
	field := func(parts ...string) {
		for _, p := range parts {
			io.WriteString(h, p)
			h.Write([]byte{0})
		}
		h.Write([]byte{'\n'})
	}
	sortedMap := func(tag string, mp map[string]string) {
		keys := make([]string, 0, len(mp))
		for k := range mp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			field(tag, k, mp[k])
		}
	}
	field(keyVersion)
	field("dir", m.Dir)
	field("target", m.Target)
	field("command", m.Command)
	for _, o := range m.Outputs {
		field("output", o)
	}
	sortedMap("env", m.Env)
	sortedMap("tool", m.Tools)
	sortedMap("module", m.Modules)
	sortedMap("file", m.Files)
	sortedMap("dep", m.Deps)
	return hex.EncodeToString(h.Sum(nil))
}

// sourceHash is the hash of a dependency that has no task for the target:
// its files and, Merkle style, its own dependencies.
func sourceHash(dir string, files Files, deps map[string]string) string {
	m := Manifest{Dir: dir, Target: "(source)", Files: files, Deps: deps}
	return m.Sum()
}

// Change is one difference between the inputs of two runs.
type Change struct {
	// Kind is one of: no-previous-run, command, folder, outputs, env, tool, module,
	// dependency, file-added, file-removed, file-modified, unchanged.
	Kind string `json:"kind"`
	// Name is the file, variable, tool, module or dependency.
	Name string `json:"name,omitempty"`
	// From and To are the old and new values where they can be shown.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

func (c Change) String() string {
	switch c.Kind {
	case "no-previous-run":
		return "no previous run"
	case "unchanged":
		return "inputs unchanged since the last run (its cache entry was evicted or not stored)"
	case "command":
		return fmt.Sprintf("command changed: %q -> %q", c.From, c.To)
	case "folder":
		return fmt.Sprintf("component folder moved: %s -> %s", c.From, c.To)
	case "outputs":
		return fmt.Sprintf("outputs changed: %s -> %s", c.From, c.To)
	case "env":
		return fmt.Sprintf("env var %s changed", c.Name)
	case "tool":
		return fmt.Sprintf("tool %s version changed: %s -> %s", c.Name, orNone(c.From), orNone(c.To))
	case "module":
		if name, ok := strings.CutPrefix(c.Name, "npm:"); ok {
			return fmt.Sprintf("npm package %s changed: %s -> %s", name, orNone(c.From), orNone(c.To))
		}
		return fmt.Sprintf("go module %s changed: %s -> %s", c.Name, orNone(c.From), orNone(c.To))
	case "dependency":
		return fmt.Sprintf("dependency %s changed", c.Name)
	case "file-added":
		return "file added: " + c.Name
	case "file-removed":
		return "file removed: " + c.Name
	case "file-modified":
		return "file modified: " + c.Name
	}
	return c.Kind + " " + c.Name
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Explain lists what changed from prev (nil: no previous run) to cur.
func Explain(prev, cur *Manifest) []Change {
	if prev == nil {
		return []Change{{Kind: "no-previous-run"}}
	}
	var out []Change
	if prev.Command != cur.Command {
		out = append(out, Change{Kind: "command", From: prev.Command, To: cur.Command})
	}
	if a, b := strings.Join(prev.Outputs, ","), strings.Join(cur.Outputs, ","); a != b {
		out = append(out, Change{Kind: "outputs", From: a, To: b})
	}
	diffMap := func(kind string, a, b map[string]string, values bool) {
		for _, k := range unionKeys(a, b) {
			va, oka := a[k]
			vb, okb := b[k]
			if oka == okb && va == vb {
				continue
			}
			c := Change{Kind: kind, Name: k}
			if values {
				c.From, c.To = va, vb
			}
			out = append(out, c)
		}
	}
	diffMap("env", prev.Env, cur.Env, false)
	diffMap("tool", prev.Tools, cur.Tools, true)
	diffMap("module", prev.Modules, cur.Modules, true)
	diffMap("dependency", prev.Deps, cur.Deps, false)
	for _, f := range unionKeys(prev.Files, cur.Files) {
		a, oka := prev.Files[f]
		b, okb := cur.Files[f]
		switch {
		case !oka:
			out = append(out, Change{Kind: "file-added", Name: f})
		case !okb:
			out = append(out, Change{Kind: "file-removed", Name: f})
		case a != b:
			out = append(out, Change{Kind: "file-modified", Name: f})
		}
	}
	if prev.Dir != cur.Dir {
		out = append(out, Change{Kind: "folder", From: prev.Dir, To: cur.Dir})
	}
	if len(out) == 0 {
		out = append(out, Change{Kind: "unchanged"})
	}
	return out
}

func unionKeys(a, b map[string]string) []string {
	set := make(map[string]bool, len(a)+len(b))
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Manifests keeps the last manifest of each (component, target) in a folder.
type Manifests struct{ dir string }

// NewManifests returns the manifest store in dir.
func NewManifests(dir string) *Manifests { return &Manifests{dir: dir} }

func (s *Manifests) file(component, target string) string {
	return filepath.Join(s.dir, url.PathEscape(component), url.PathEscape(target)+".json")
}

// Load returns the last manifest of component's target, or nil when there
// is none.
func (s *Manifests) Load(component, target string) (*Manifest, error) {
	data, err := os.ReadFile(s.file(component, target))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read last manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil // a damaged manifest explains nothing; the next run rewrites it
	}
	return &m, nil
}

// Save records m as the last manifest of its component and target, unless
// the stored one already has the same key.
func (s *Manifests) Save(m *Manifest) error {
	if prev, err := s.Load(m.Component, m.Target); err == nil && prev != nil && prev.Key == m.Key {
		return nil
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(s.file(m.Component, m.Target), data); err != nil {
		return fmt.Errorf("save manifest: %w", err)
	}
	return nil
}
