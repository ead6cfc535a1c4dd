// Package tfcheck verifies the Terraform code under infrastructure/ without
// providers or cloud access: the interface checks a `terraform validate`
// would do between our own modules (module arguments, outputs, variables),
// the platform's rules (cost-allocation tags, published discovery names,
// each environment's variable and backend file, the staging and prod
// posture, inline checkov skips, README sections),
// and runners for the external tools (terraform fmt, tflint, checkov,
// terraform-docs) that turn their reports into the same findings.
package tfcheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Finding is one problem, located in a file.
type Finding struct {
	// File is relative to the repository root, slash-separated.
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	// Check names the check that found it (interface, tags, tflint, ...).
	Check   string `json:"check"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	loc := f.File
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s: [%s] %s", loc, f.Check, f.Message)
}

// Sort orders findings by file, line and message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
}

// unique drops repeated findings from a sorted list: the environment root is
// checked once per environment, and what is wrong in its .tf files is wrong
// for every one.
func unique(fs []Finding) []Finding {
	out := fs[:0]
	for i, f := range fs {
		if i == 0 || f != fs[i-1] {
			out = append(out, f)
		}
	}
	return out
}

// Tree is the Terraform code of a repository and what the checks need to
// know about the repository around it.
type Tree struct {
	// Root is the repository root (absolute); file names in findings are
	// relative to it.
	Root string
	// Dir is the infrastructure folder, relative to Root (infrastructure).
	Dir string
	// ConfigDir holds <env>.yaml with ssm:// references, relative to Root.
	ConfigDir string
	// Envs are the environments that have a variable file in the
	// environment root (<Dir>/live/<env>.tfvars).
	Envs []string
}

// DefaultDir is the infrastructure folder of the repository.
const DefaultDir = "infrastructure"

// NewTree returns the tree under root/dir, with the environments of envs
// that have a variable file in the environment root, in the order of envs.
func NewTree(root, dir, configDir string, envs []string) *Tree {
	t := &Tree{Root: root, Dir: dir, ConfigDir: configDir}
	for _, e := range envs {
		if st, err := os.Stat(filepath.Join(root, dir, LiveDir, VarFile(e))); err == nil && !st.IsDir() {
			t.Envs = append(t.Envs, e)
		}
	}
	return t
}

// abs returns the OS path of a slash path relative to the infrastructure folder.
func (t *Tree) abs(rel string) string {
	return filepath.Join(t.Root, filepath.FromSlash(t.Dir), filepath.FromSlash(rel))
}

// rel turns an OS path into a slash path relative to the repository root.
func (t *Tree) rel(p string) string {
	r, err := filepath.Rel(t.Root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// Folders returns every folder under the infrastructure folder that holds
// .tf files, relative to it, sorted. .terraform folders are skipped.
func (t *Tree) Folders() ([]string, error) {
	base := t.abs("")
	seen := map[string]bool{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform" || (strings.HasPrefix(d.Name(), ".") && p != base)) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".tf") {
			r, _ := filepath.Rel(base, filepath.Dir(p))
			seen[filepath.ToSlash(r)] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list terraform folders: %w", err)
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

// Kind says what a Terraform folder is.
type Kind int

// The kinds of Terraform folders.
const (
	KindStack   Kind = iota // a root module: live, bootstrap
	KindModule              // modules/<m>
	KindExample             // modules/<m>/examples/<x>
)

// KindOf classifies a folder relative to the infrastructure folder.
func KindOf(rel string) Kind {
	parts := strings.Split(rel, "/")
	switch {
	case len(parts) == 2 && parts[0] == "modules":
		return KindModule
	case len(parts) >= 3 && parts[0] == "modules":
		return KindExample
	}
	return KindStack
}

// Static runs every check that needs no external tool and returns the
// findings, sorted.
func (t *Tree) Static() ([]Finding, error) {
	mods, err := t.load()
	if err != nil {
		return nil, err
	}
	var out []Finding
	out = append(out, t.checkInterfaces(mods)...)
	out = append(out, t.checkProviders(mods)...)
	out = append(out, t.checkSkips(mods)...)
	out = append(out, t.checkLayout(mods)...)
	out = append(out, t.checkLive(mods)...)
	disc, err := t.checkDiscovery(mods)
	if err != nil {
		return nil, err
	}
	out = append(out, disc...)
	Sort(out)
	return unique(out), nil
}
