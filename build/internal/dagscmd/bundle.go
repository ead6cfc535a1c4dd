package dagscmd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one file of a bundle.
type File struct {
	Path   string `json:"path"` // slash path inside the DAG folder
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest describes a published bundle; it is written last, so a reader
// that finds it finds every file it lists.
type Manifest struct {
	// Version names the bundle: the first 12 hex digits of Digest, so the
	// same files always make the same version.
	Version string `json:"version"`
	// Digest is the SHA-256 over the sorted paths and file hashes.
	Digest    string    `json:"digest"`
	Created   time.Time `json:"created"`
	GitCommit string    `json:"git_commit,omitempty"`
	// Validated is when mono dags validate passed on exactly these files.
	Validated time.Time `json:"validated"`
	Files     []File    `json:"files"`
}

// Bundle is the DAG folder as it would be published.
type Bundle struct {
	Dir    string
	Files  []File
	Digest string
}

// Version is the bundle's version name.
func (b *Bundle) Version() string { return b.Digest[:12] }

// inBundle tells whether a file of the DAG folder is published: everything
// but tests, caches, compiled files and hidden files (.airflowignore
// excepted).
func inBundle(rel string, isDir bool) bool {
	name := filepath.Base(rel)
	switch {
	case isDir && name == "tests", name == "__pycache__", name == ".pytest_cache", name == ".ruff_cache", name == ".venv":
		return false
	case strings.HasPrefix(name, ".") && name != ".airflowignore":
		return false
	case !isDir && strings.HasSuffix(name, ".pyc"):
		return false
	}
	return true
}

// ReadBundle hashes the DAG folder.
func ReadBundle(dir string) (*Bundle, error) {
	b := &Bundle{Dir: dir}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if !inBundle(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		b.Files = append(b.Files, File{Path: filepath.ToSlash(rel), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the DAG folder %s: %w", dir, err)
	}
	sort.Slice(b.Files, func(i, j int) bool { return b.Files[i].Path < b.Files[j].Path })
	h := sha256.New()
	for _, f := range b.Files {
		fmt.Fprintf(h, "%s\x00%s\n", f.Path, f.SHA256)
	}
	b.Digest = hex.EncodeToString(h.Sum(nil))
	return b, nil
}

// Stamp records that a bundle validated; mono dags deploy refuses a bundle
// without one for its exact digest.
type Stamp struct {
	Digest    string    `json:"digest"`
	Validated time.Time `json:"validated"`
	DAGs      []string  `json:"dags"`
}

// stampPath is where the stamp of the workspace lives (untracked).
func stampPath(root string) string { return filepath.Join(root, ".mono", "dags", "validated.json") }

func writeStamp(root string, s Stamp) error {
	p := stampPath(root)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(s, "", "  ")
	return os.WriteFile(p, append(data, '\n'), 0o644)
}

func readStamp(root string) (Stamp, error) {
	var s Stamp
	data, err := os.ReadFile(stampPath(root))
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(data, &s)
}

// Diff is what publishing a bundle changes against a published manifest.
type Diff struct {
	Added, Changed, Removed, Unchanged []string
}

// Empty reports whether nothing changes.
func (d Diff) Empty() bool { return len(d.Added)+len(d.Changed)+len(d.Removed) == 0 }

// diffFiles compares the bundle's files with the published ones.
func diffFiles(published []File, files []File) Diff {
	old := map[string]string{}
	for _, f := range published {
		old[f.Path] = f.SHA256
	}
	var d Diff
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Path] = true
		switch sum, ok := old[f.Path]; {
		case !ok:
			d.Added = append(d.Added, f.Path)
		case sum != f.SHA256:
			d.Changed = append(d.Changed, f.Path)
		default:
			d.Unchanged = append(d.Unchanged, f.Path)
		}
	}
	for _, f := range published {
		if !seen[f.Path] {
			d.Removed = append(d.Removed, f.Path)
		}
	}
	sort.Strings(d.Removed)
	return d
}
