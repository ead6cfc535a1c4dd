// Package workspace finds the repository root and reads mono.yaml, the
// workspace settings that apply to every component.
package workspace

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
)

// FileName is the workspace settings file at the repository root.
const FileName = "mono.yaml"

// ErrNoRoot is returned when no folder from the start upwards holds mono.yaml.
var ErrNoRoot = errors.New("not inside a mono workspace")

// Settings is the content of mono.yaml.
type Settings struct {
	// Project names the company project; used in resource names.
	Project string `yaml:"project"`
	// Environments are the valid values of ENV, in promotion order.
	Environments []string `yaml:"environments"`
	// ConfigDir holds base.yaml and <env>.yaml (see libs/config).
	ConfigDir string `yaml:"configDir"`
	// Ignore are folder globs that discovery never enters.
	Ignore []string `yaml:"ignore"`
	// GoRoots maps a folder whose subfolders are Go components to their kind.
	GoRoots map[string]graph.Kind `yaml:"goRoots"`
	// Tasks are default task definitions per kind, overriding the built-in ones.
	Tasks map[graph.Kind]map[string]graph.Task `yaml:"tasks"`
	// Cache settings for mono run.
	Cache CacheSettings `yaml:"cache"`
	// GlobalInputs are globs, relative to the root, of shared files that
	// belong to no component (Makefile, scripts, CI). A task lists the ones
	// it reads in its globalInputs: they are part of its key, and a change
	// to one affects it. Setting the key replaces the defaults.
	GlobalInputs []string `yaml:"globalInputs"`
	// Images are the settings of mono image build (docs/images.md).
	Images ImageSettings `yaml:"images"`
}

// BuiltinBase is the value of images.base that names the base mono builds
// itself: a root file system with the nonroot user, CA certificates and
// /tmp, no shell, no registry needed.
const BuiltinBase = "mono:static"

// ImageSettings is the images: section of mono.yaml.
type ImageSettings struct {
	// Base is the base image of the Go programs: BuiltinBase, or a
	// registry reference pinned by digest (repo:tag@sha256:...).
	Base string `yaml:"base"`
	// Platforms are the os/arch pairs of every image index.
	Platforms []string `yaml:"platforms"`
	// Dir is the folder, relative to the root, of the OCI layouts and
	// build records.
	Dir string `yaml:"dir"`
	// Registry is the registry `--push=` pushes to when given no value,
	// host[:port][/path]; empty: none.
	Registry string `yaml:"registry"`
	// Repository is put before the component name in repository names:
	// <registry>/<repository>/<component>. Default: the project.
	Repository string `yaml:"repository"`
	// Source is the org.opencontainers.image.source label: the URL of the
	// repository (a setting, not the git remote, so that every checkout
	// gives the same image).
	Source string `yaml:"source"`
	// AirflowBase is the official Airflow image the DAGs and job binaries
	// are layered on, pinned by digest; empty: no Airflow image.
	AirflowBase string `yaml:"airflowBase"`
	// PythonBase is the Python image (python:3.11-slim style, its env
	// naming PYTHON_VERSION) the Dash app and its wheels are layered on,
	// pinned by digest; empty: no Dash image.
	PythonBase string `yaml:"pythonBase"`
}

// GlobalInput reports whether glob, a task's globalInputs entry, lies
// within a declared global input: it is one of them or matched by one
// (hack/pyvenv.sh by hack/**).
func (s Settings) GlobalInput(glob string) bool {
	for _, g := range s.GlobalInputs {
		if g == glob {
			return true
		}
		if ok, _ := doublestar.Match(g, glob); ok {
			return true
		}
	}
	return false
}

// CheckGlobalInputs returns an error naming the first entry of a task's
// globalInputs that is not within a declared global input.
func (s Settings) CheckGlobalInputs(target string, globs []string) error {
	for _, g := range globs {
		if !s.GlobalInput(g) {
			return fmt.Errorf("tasks.%s.globalInputs: %q is not a global input of %s (globalInputs: %s)", target, g, FileName, strings.Join(s.GlobalInputs, ", "))
		}
	}
	return nil
}

// CacheSettings bound the local task cache and name the remote one.
type CacheSettings struct {
	// Dir is the cache folder, relative to the root.
	Dir string `yaml:"dir"`
	// MaxSizeMB bounds the cache; the least recently used entries go first.
	MaxSizeMB int64 `yaml:"maxSizeMB"`
	// Remote is the shared cache behind the local one; nil: none.
	Remote *RemoteCache `yaml:"remote"`
}

// RemoteCache is cache.remote: an S3 bucket that CI writes and laptops read.
type RemoteCache struct {
	// Type is the kind of store; s3 is the only one.
	Type string `yaml:"type"`
	// Bucket is the S3 bucket.
	Bucket string `yaml:"bucket"`
	// Prefix is put before every key; Load ends it with a slash.
	Prefix string `yaml:"prefix"`
	// Region of the bucket; empty: the AWS default chain (AWS_REGION).
	Region string `yaml:"region"`
	// Endpoint overrides the S3 endpoint (an emulator such as moto).
	Endpoint string `yaml:"endpoint"`
	// Write stores successful tasks in the remote too (CI); false only
	// reads (laptops). MONO_CACHE_REMOTE_WRITE overrides it.
	Write bool `yaml:"write"`
}

// Defaults returns the settings used for keys mono.yaml leaves out.
func Defaults() Settings {
	return Settings{
		Project:      "acme",
		Environments: []string{"local", "ci", "dev", "staging", "prod"},
		ConfigDir:    "config",
		Ignore:       []string{".git", "node_modules", ".mono", "vendor", "testdata", "__pycache__", ".venv", ".terraform", "dist"},
		GoRoots:      map[string]graph.Kind{"libs": graph.GoLib, "services": graph.GoService, "scripts": graph.GoJob},
		Cache:        CacheSettings{Dir: ".mono/cache", MaxSizeMB: 2048},
		GlobalInputs: []string{"Makefile", "hack/**", ".ci/**", FileName},
		Images:       ImageSettings{Base: BuiltinBase, Platforms: []string{"linux/amd64", "linux/arm64"}, Dir: ".mono/images"},
	}
}

// Workspace is a repository root with its settings.
type Workspace struct {
	Root     string // absolute, OS path
	Settings Settings
}

// FindRoot walks up from dir to the first folder that holds mono.yaml.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, FileName)); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no %s in %s or any parent folder; run mono inside the repository", ErrNoRoot, FileName, abs)
		}
	}
}

// Open finds the root above dir and reads its settings.
func Open(dir string) (*Workspace, error) {
	root, err := FindRoot(dir)
	if err != nil {
		return nil, err
	}
	return Load(root)
}

// Load reads root/mono.yaml over the defaults.
func Load(root string) (*Workspace, error) {
	s := Defaults()
	data, err := os.ReadFile(filepath.Join(root, FileName))
	if err != nil {
		return nil, fmt.Errorf("read workspace settings: %w", err)
	}
	if err := strictyaml.Decode(FileName, data, &s); err != nil {
		return nil, err
	}
	if len(s.Environments) == 0 {
		return nil, fmt.Errorf("%s: environments must list at least one environment", FileName)
	}
	for dir, k := range s.GoRoots {
		if !k.IsGo() {
			return nil, fmt.Errorf("%s: goRoots.%s: kind %q is not a Go kind (one of go-service, go-job, go-lib, go-tool)", FileName, dir, k)
		}
	}
	if r := s.Cache.Remote; r != nil {
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("%s: cache.remote.%w", FileName, err)
		}
	}
	if s.Images.Repository == "" {
		s.Images.Repository = s.Project
	}
	if err := s.Images.check(); err != nil {
		return nil, &strictyaml.Error{File: FileName, Line: strictyaml.KeyLine(data, "images"), Msg: "images." + err.Error()}
	}
	for _, g := range s.GlobalInputs {
		if !doublestar.ValidatePattern(g) || strings.HasPrefix(g, "/") {
			return nil, &strictyaml.Error{File: FileName, Line: strictyaml.KeyLine(data, "globalInputs"), Msg: fmt.Sprintf("globalInputs: %q is not a glob relative to the root", g)}
		}
	}
	for kind, tasks := range s.Tasks {
		for target, t := range tasks {
			if err := s.CheckGlobalInputs(target, t.GlobalInputs); err != nil {
				return nil, &strictyaml.Error{File: FileName, Line: strictyaml.KeyLine(data, "tasks"), Msg: fmt.Sprintf("%s: %v", kind, err)}
			}
			if err := t.CheckDependsOn(target); err != nil {
				return nil, &strictyaml.Error{File: FileName, Line: strictyaml.KeyLine(data, "tasks", string(kind), target, "dependsOn"), Msg: fmt.Sprintf("tasks.%s.%s", kind, strings.TrimPrefix(err.Error(), "tasks."))}
			}
			if err := t.CheckEnv(target); err != nil {
				return nil, &strictyaml.Error{File: FileName, Line: strictyaml.KeyLine(data, "tasks", string(kind), target, "env"), Msg: fmt.Sprintf("tasks.%s.%s", kind, strings.TrimPrefix(err.Error(), "tasks."))}
			}
		}
	}
	return &Workspace{Root: root, Settings: s}, nil
}

// check validates the remote cache settings and normalizes the prefix; an
// error starts with the key below cache.remote.
func (r *RemoteCache) check() error {
	if r.Type != "s3" {
		return fmt.Errorf("type: %q is not a remote cache type (s3)", r.Type)
	}
	if r.Bucket == "" {
		return errors.New("bucket: required: the S3 bucket of the shared cache")
	}
	if strings.ContainsAny(r.Bucket, "/: ") {
		return fmt.Errorf("bucket: %q is a bucket name, not a path or URL (put folders in cache.remote.prefix)", r.Bucket)
	}
	p := strings.TrimSuffix(r.Prefix, "/")
	if p != "" && (strings.Contains("/"+p+"/", "//") || strings.Contains("/"+p+"/", "/../") || strings.Contains("/"+p+"/", "/./")) {
		return fmt.Errorf("prefix: %q must be a relative slash path without empty, . or .. segments", r.Prefix)
	}
	if p != "" {
		r.Prefix = p + "/"
	}
	if r.Endpoint != "" {
		u, err := url.Parse(r.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("endpoint: %q is not an http(s) URL", r.Endpoint)
		}
	}
	return nil
}

// ValidEnv reports whether env is one of the workspace's environments.
func (w *Workspace) ValidEnv(env string) bool {
	for _, e := range w.Settings.Environments {
		if e == env {
			return true
		}
	}
	return false
}

// Path joins a slash-separated repository path onto the root.
func (w *Workspace) Path(rel string) string { return filepath.Join(w.Root, filepath.FromSlash(rel)) }

// check validates the images settings; an error starts with the key below
// images.
func (i ImageSettings) check() error {
	if len(i.Platforms) == 0 {
		return errors.New("platforms: list at least one os/arch, e.g. [linux/amd64, linux/arm64]")
	}
	seen := map[string]bool{}
	for _, p := range i.Platforms {
		os, arch, ok := strings.Cut(p, "/")
		if !ok || os != "linux" || arch == "" || strings.Contains(arch, "/") {
			return fmt.Errorf("platforms: %q is not linux/<arch> (linux/amd64, linux/arm64)", p)
		}
		if seen[p] {
			return fmt.Errorf("platforms: %q is listed twice", p)
		}
		seen[p] = true
	}
	if i.Dir == "" || filepath.IsAbs(i.Dir) || strings.HasPrefix(filepath.Clean(i.Dir), "..") {
		return fmt.Errorf("dir: %q must be a folder relative to the root, e.g. .mono/images", i.Dir)
	}
	if i.Base == "" {
		return fmt.Errorf("base: required: %s or a registry reference pinned by digest", BuiltinBase)
	}
	if i.Repository != "" && (strings.HasPrefix(i.Repository, "/") || strings.HasSuffix(i.Repository, "/") || strings.ToLower(i.Repository) != i.Repository) {
		return fmt.Errorf("repository: %q must be a lowercase path without leading or trailing slash", i.Repository)
	}
	return nil
}
