// Package imagebuild turns the Go programs of the repository into OCI
// images without Docker, through go-containerregistry: a static binary per
// platform on a minimal base, one image index, an SPDX SBOM attached as an
// OCI 1.1 artifact, written to an OCI layout under .mono/images with a
// record that mono deploy reads, and pushed to a registry on request. The
// same commit gives the same digests from any checkout (docs/images.md).
package imagebuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// The OCI annotation and label keys mono sets.
const (
	AnnotationSource   = "org.opencontainers.image.source"
	AnnotationRevision = "org.opencontainers.image.revision"
	AnnotationCreated  = "org.opencontainers.image.created"
	AnnotationTitle    = "org.opencontainers.image.title"
	AnnotationBaseName = "org.opencontainers.image.base.name"
	AnnotationRefName  = "org.opencontainers.image.ref.name"
)

// ErrNotProgram is returned for a component that builds no image.
var ErrNotProgram = errors.New("not a program")

// Program is a component that becomes an image.
type Program struct {
	// Component is the component name; the binary and the repository
	// take it.
	Component string
	// Main is the Go main package, a slash path relative to the root.
	Main string
	// Needs are files, relative to the root, that must exist before the
	// build, with what makes them (the console's web build).
	Needs []Need
	// Airflow marks the Airflow image: the tracked files of the DAG
	// folder Main at /opt/airflow/dags and the binaries of Jobs at
	// /usr/local/bin on images.airflowBase, whose user, entrypoint,
	// command and environment stay.
	Airflow bool
	Jobs    []Job
	// Python marks a Python app (the Dash app): the tracked files of
	// Main at /app and its pinned wheels, installed per platform, at
	// /opt/site-packages on images.pythonBase, run as python3 /app/app.py.
	Python bool
}

// Job is a Go job binary of the Airflow image.
type Job struct {
	Name, Main string
}

// Airflow image paths.
const (
	AirflowDAGs = "opt/airflow/dags"
	AirflowBin  = "usr/local/bin"
)

// Need is a file a program embeds that another build makes.
type Need struct {
	Path, Hint string
}

// ProgramOf returns the program of component c: a go-service or go-job
// builds its own folder; a node-app with a Go server in server/ builds
// that, which embeds the web build in server/static/dist.
//
// The python-dags component is the Airflow image: its DAGs and the go-job
// components it depends on (the jobs its DAGs run).
func ProgramOf(root string, g *graph.Graph, c *graph.Component) (Program, error) {
	switch c.Kind {
	case graph.PythonDAGs:
		p := Program{Component: c.Name, Main: c.Dir, Airflow: true}
		for _, d := range c.DependsFor("build") {
			if j := g.Get(d); j != nil && j.Kind == graph.GoJob {
				p.Jobs = append(p.Jobs, Job{Name: j.Name, Main: j.Dir})
			}
		}
		return p, nil
	case graph.GoService, graph.GoJob:
		return Program{Component: c.Name, Main: c.Dir}, nil
	case graph.NodeApp:
		srv := c.Dir + "/server"
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(srv), "main.go")); err == nil {
			return Program{Component: c.Name, Main: srv, Needs: []Need{{
				Path: srv + "/static/dist/index.html",
				Hint: fmt.Sprintf("the web build is missing: run `mono run build %s` (vite build into %s/static/dist) first", c.Name, srv),
			}}}, nil
		}
	case graph.PythonApp:
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(c.Dir), PythonEntry)); err == nil {
			return Program{Component: c.Name, Main: c.Dir, Python: true}, nil
		}
	}
	return Program{}, fmt.Errorf("component %q (%s, %s): %w: images are built for go-service and go-job components, node-apps with a Go server in server/, python-apps started by %s and the python-dags folder (the Airflow image)", c.Name, c.Kind, c.Dir, ErrNotProgram, PythonEntry)
}

// Options configure a build.
type Options struct {
	// Root is the repository root.
	Root string
	// Settings are mono.yaml's images section.
	Settings workspace.ImageSettings
	// Environ is the environment of go build.
	Environ []string
	// Progress receives one line per step (stderr).
	Progress io.Writer
	// Remote are the options of pulling a registry base (keychain,
	// transport).
	Remote []remote.Option
}

// Platform is one platform image of an index.
type Platform struct {
	Platform string `json:"platform"`
	Digest   string `json:"digest"`
	// Size is the sum of the compressed layers, what a node pulls.
	Size int64 `json:"size"`
	// BinarySize is the program's size on disk (a Python app: its
	// installed dependencies').
	BinarySize int64 `json:"binarySize"`
}

// Blob names a stored object.
type Blob struct {
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	// ArtifactType is set for an artifact manifest.
	ArtifactType string `json:"artifactType,omitempty"`
	Size         int64  `json:"size"`
}

// Image is the result of building one program; mono writes it as the
// record <images.dir>/<component>.json and prints it with --json.
type Image struct {
	Component string `json:"component"`
	// Repository is <images.repository>/<component>; the registry goes in
	// front of it.
	Repository string `json:"repository"`
	Revision   string `json:"revision"`
	// Dirty: the work tree had uncommitted changes; such an image is
	// never pushed.
	Dirty   bool      `json:"dirty,omitempty"`
	Created time.Time `json:"created"`
	// Tag is the immutable tag a push gives: the revision.
	Tag string `json:"tag"`
	// Digest is the image index's digest.
	Digest string `json:"digest"`
	// Layout is the OCI layout folder, relative to the root.
	Layout    string     `json:"layout"`
	Base      string     `json:"base"`
	Platforms []Platform `json:"platforms"`
	// SBOM is the artifact manifest carrying the SPDX document; its
	// subject is the index.
	SBOM Blob `json:"sbom"`
	// Registry, Reference (<registry>/<repository>@<digest>) and
	// TagReference (<registry>/<repository>:<tag>) are set once pushed.
	Registry     string `json:"registry,omitempty"`
	Reference    string `json:"reference,omitempty"`
	TagReference string `json:"tagReference,omitempty"`
}

// Commit is the revision a build stamps.
type Commit struct {
	Revision string
	Time     time.Time
	Dirty    bool
}

// HeadCommit reads HEAD of the repository at root: its id, commit time,
// and whether tracked files differ from it.
func HeadCommit(ctx context.Context, root string) (Commit, error) {
	repo, err := gitx.Open(ctx, root)
	if err != nil {
		return Commit{}, err
	}
	out, err := repo.Output(ctx, "log", "-1", "--format=%H %ct", "HEAD")
	if err != nil {
		return Commit{}, fmt.Errorf("read HEAD (an image is stamped with a commit; commit first): %w", err)
	}
	rev, ts, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Commit{}, fmt.Errorf("read the commit time of HEAD: %q", ts)
	}
	st, err := repo.Output(ctx, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return Commit{}, err
	}
	return Commit{Revision: rev, Time: time.Unix(sec, 0).UTC(), Dirty: len(bytes.TrimSpace(st)) > 0}, nil
}

// Build builds each program for every platform of the settings and writes
// its layout and record. It stops at the first failure; what it wrote for
// the programs before stays (each is complete).
func Build(ctx context.Context, o Options, commit Commit, progs []Program) ([]Image, error) {
	for _, p := range progs {
		for _, n := range p.Needs {
			if _, err := os.Stat(filepath.Join(o.Root, filepath.FromSlash(n.Path))); err != nil {
				return nil, fmt.Errorf("%s: %s is missing: %s", p.Component, n.Path, n.Hint)
			}
		}
	}
	bases := map[string][]base{}
	for _, p := range progs {
		key, ref := BaseOf(o.Settings, p)
		if bases[key] != nil {
			continue
		}
		if ref == "" {
			return nil, fmt.Errorf("%s: %w", p.Component, MissingBase(key))
		}
		bs, err := loadBases(ctx, o, key, ref)
		if err != nil {
			return nil, err
		}
		bases[key] = bs
	}
	tmp, err := os.MkdirTemp("", "mono-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []Image
	for _, p := range progs {
		key, _ := BaseOf(o.Settings, p)
		img, err := buildOne(ctx, o, commit, bases[key], p, tmp)
		if err != nil {
			return out, fmt.Errorf("%s: %w", p.Component, err)
		}
		out = append(out, img)
	}
	return out, nil
}

// BaseOf returns the mono.yaml images key of the base program p goes on
// and its value: airflowBase for the Airflow image, pythonBase for a
// Python app, base for the Go programs.
func BaseOf(s workspace.ImageSettings, p Program) (key, ref string) {
	switch {
	case p.Airflow:
		return "airflowBase", s.AirflowBase
	case p.Python:
		return "pythonBase", s.PythonBase
	}
	return "base", s.Base
}

// MissingBase is the error of an unset base key (airflowBase, pythonBase).
func MissingBase(key string) error {
	what := map[string]string{
		"airflowBase": "the official Airflow image pinned by digest (apache/airflow:<version>@sha256:...)",
		"pythonBase":  "the official Python image pinned by digest (python:3.11-slim@sha256:...)",
	}[key]
	return fmt.Errorf("mono.yaml images.%s is not set: name %s", key, what)
}

// base is the image a program's layer goes on, per platform.
type base struct {
	platform string
	img      v1.Image
	builtin  bool
}

// loadBases returns the base of each platform: the built-in one, or the
// configured registry image pulled by digest.
func loadBases(ctx context.Context, o Options, key, ref string) ([]base, error) {
	s := o.Settings
	var out []base
	if ref == workspace.BuiltinBase && key == "base" {
		// The base layer's mtime is fixed: it changes only with mono.
		layer, err := Layer(BaseFiles(), time.Unix(0, 0))
		if err != nil {
			return nil, err
		}
		for _, p := range s.Platforms {
			img, err := mutate.Append(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1),
				mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: time.Unix(0, 0).UTC()}, CreatedBy: "mono " + workspace.BuiltinBase + ": passwd, group, CA certificates, /tmp", Comment: "base"}})
			if err != nil {
				return nil, err
			}
			out = append(out, base{platform: p, img: img, builtin: true})
		}
		return out, nil
	}
	d, err := ParseBase(key, ref)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "%s %s: pulling\n", key, d)
	for _, p := range s.Platforms {
		plat, _ := v1.ParsePlatform(p)
		img, err := remote.Image(d, append([]remote.Option{remote.WithContext(ctx), remote.WithPlatform(*plat)}, o.Remote...)...)
		if err != nil {
			return nil, fmt.Errorf("pull the base %s (mono.yaml images.%s) for %s: %w", d, key, p, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("read the base %s for %s: %w", d, p, err)
		}
		if cf.OS+"/"+cf.Architecture != p {
			return nil, fmt.Errorf("the base %s (mono.yaml images.%s) has no %s image (got %s/%s)", d, key, p, cf.OS, cf.Architecture)
		}
		out = append(out, base{platform: p, img: img})
	}
	return out, nil
}

// ParseBase checks a base reference of mono.yaml's images.<key>: a
// registry reference pinned by digest, so that builds repeat.
func ParseBase(key, s string) (name.Digest, error) {
	d, err := name.NewDigest(s)
	if err != nil {
		return name.Digest{}, fmt.Errorf("mono.yaml: images.%s: %q is not %s or a registry reference pinned by digest (repository[:tag]@sha256:...): %w", key, s, workspace.BuiltinBase, err)
	}
	return d, nil
}

func buildOne(ctx context.Context, o Options, commit Commit, bases []base, p Program, tmp string) (Image, error) {
	s := o.Settings
	anns := map[string]string{
		AnnotationRevision: commit.Revision,
		AnnotationCreated:  commit.Time.Format(time.RFC3339),
		AnnotationTitle:    p.Component,
	}
	if s.Source != "" {
		anns[AnnotationSource] = s.Source
	}
	_, baseRef := BaseOf(s, p)
	if baseRef != workspace.BuiltinBase {
		anns[AnnotationBaseName] = baseRef
	}
	res := Image{
		Component: p.Component, Repository: s.Repository + "/" + p.Component, Revision: commit.Revision, Dirty: commit.Dirty,
		Created: commit.Time, Tag: commit.Revision, Base: baseRef,
	}
	var tracked []File
	if p.Airflow || p.Python {
		dest := AirflowDAGs
		if p.Python {
			dest = PythonApp
		}
		var err error
		if tracked, err = trackedFiles(ctx, o.Root, p.Main, dest); err != nil {
			return res, err
		}
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var sbom []byte
	for _, b := range bases {
		arch := strings.TrimPrefix(b.platform, "linux/")
		start := time.Now()
		bins := []Job{{Name: p.Component, Main: p.Main}}
		if p.Airflow || p.Python {
			bins = p.Jobs
		}
		var paths []string
		layers := [][]File{slices.Clone(tracked)}
		var binSize int64
		if p.Python {
			deps, size, doc, err := pythonDeps(ctx, o, b, p, res.Repository, commit, filepath.Join(tmp, p.Component+"-"+arch))
			if err != nil {
				return res, err
			}
			layers = append(layers, deps)
			binSize = size
			if sbom == nil {
				sbom = doc
			}
		}
		for _, j := range bins {
			bin := filepath.Join(tmp, j.Name+"-"+arch)
			if err := GoBuild(ctx, o.Root, j.Main, arch, bin, o.Environ); err != nil {
				return res, err
			}
			body, err := os.ReadFile(bin)
			if err != nil {
				return res, err
			}
			dir := "app"
			if p.Airflow {
				dir = AirflowBin
			}
			layers[0] = append(layers[0], File{Path: dir + "/" + j.Name, Mode: 0o555, Body: body})
			paths = append(paths, bin)
			binSize += int64(len(body))
		}
		if sbom == nil && len(paths) > 0 {
			ns := "https://spdx.org/spdxdocs/" + res.Repository + "-" + commit.Revision
			var err error
			if sbom, err = SBOM(paths, p.Component, ns, commit.Time); err != nil {
				return res, err
			}
		}
		img, err := programImage(b, p, layers, commit.Time, anns)
		if err != nil {
			return res, err
		}
		d, err := img.Digest()
		if err != nil {
			return res, err
		}
		size, err := pullSize(img)
		if err != nil {
			return res, err
		}
		plat, _ := v1.ParsePlatform(b.platform)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
		res.Platforms = append(res.Platforms, Platform{Platform: b.platform, Digest: d.String(), Size: size, BinarySize: binSize})
		what := "binaries"
		if p.Python {
			what = "dependencies"
		}
		fmt.Fprintf(o.Progress, "%s %s: %s %s, image %s compressed, %s (%.1fs)\n", p.Component, b.platform, what, mb(binSize), mb(size), d, time.Since(start).Seconds())
	}
	if sbom == nil {
		return res, fmt.Errorf("no binary to build: the Airflow image needs go-job components in the depends of %s", p.Main)
	}
	index, ok := mutate.Annotations(idx, anns).(v1.ImageIndex)
	if !ok {
		return res, errors.New("annotate the index")
	}
	id, err := partial.Descriptor(index)
	if err != nil {
		return res, err
	}
	res.Digest = id.Digest.String()
	subject := v1.Descriptor{MediaType: id.MediaType, Digest: id.Digest, Size: id.Size}
	art, err := Artifact(sbom, SBOMMediaType, subject, map[string]string{AnnotationCreated: anns[AnnotationCreated], AnnotationTitle: p.Component + " SBOM (SPDX 2.3)"})
	if err != nil {
		return res, err
	}
	ad, err := partial.Descriptor(art)
	if err != nil {
		return res, err
	}
	res.SBOM = Blob{Digest: ad.Digest.String(), MediaType: string(ad.MediaType), ArtifactType: SBOMMediaType, Size: ad.Size}
	res.Layout = filepath.ToSlash(filepath.Join(s.Dir, p.Component))
	if err := writeLayout(filepath.Join(o.Root, filepath.FromSlash(res.Layout)), index, art, commit.Revision); err != nil {
		return res, err
	}
	if err := WriteRecord(o.Root, s, res); err != nil {
		return res, err
	}
	fmt.Fprintf(o.Progress, "%s: index %s (%d platforms), sbom %s, layout %s\n", p.Component, res.Digest, len(res.Platforms), res.SBOM.Digest, res.Layout)
	return res, nil
}

// programImage puts each of layers (the binary at /app/<name>, root
// owned, read and run by all; a Python app's files, then its
// dependencies) on the base, run as nonroot; the Airflow image keeps the
// base's user, entrypoint, command and environment.
func programImage(b base, p Program, layers [][]File, created time.Time, labels map[string]string) (v1.Image, error) {
	img := b.img
	for i, files := range layers {
		layer, err := Layer(files, created)
		if err != nil {
			return nil, err
		}
		comment := "program"
		if i > 0 {
			comment = "dependencies"
		}
		if img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "mono image build " + p.Component, Comment: comment}}); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	plat, _ := v1.ParsePlatform(b.platform)
	cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
	cf.Created = v1.Time{Time: created}
	cf.Author = ""
	switch {
	case p.Python:
		pythonConfig(cf)
	case !p.Airflow:
		cf.Config.User = fmt.Sprintf("%d:%d", NonRoot, NonRoot)
		cf.Config.Entrypoint = []string{"/app/" + p.Component}
		cf.Config.Cmd = nil
		cf.Config.WorkingDir = "/home/nonroot"
		cf.Config.Env = programEnv(cf.Config.Env, b.builtin)
	}
	cf.Config.Labels = mergeLabels(cf.Config.Labels, labels)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	img, ok := mutate.Annotations(img, labels).(v1.Image)
	if !ok {
		return nil, errors.New("annotate the image")
	}
	return img, nil
}

// trackedFiles returns the files git tracks under dir (slash path from the
// root), read from the work tree, at dest in the image; tests/ folders,
// Go tests, .gitignore and component.yaml stay out.
func trackedFiles(ctx context.Context, root, dir, dest string) ([]File, error) {
	repo, err := gitx.Open(ctx, root)
	if err != nil {
		return nil, err
	}
	out, err := repo.Output(ctx, "ls-files", "-z", "--", dir)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, p := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		rel, ok := strings.CutPrefix(p, dir+"/")
		if !ok || rel == "component.yaml" || strings.HasPrefix(rel, "tests/") || strings.Contains(rel, "/tests/") ||
			strings.HasSuffix(rel, "_test.go") || path.Base(rel) == ".gitignore" {
			continue
		}
		body, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		files = append(files, File{Path: dest + "/" + rel, Mode: 0o644, Body: body})
	}
	return files, nil
}

// programEnv is the base's environment with /app first in PATH and, on
// the built-in base, SSL_CERT_FILE naming its CA bundle.
func programEnv(env []string, builtin bool) []string {
	path := "PATH=/app"
	var out []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path += ":" + v
			continue
		}
		out = append(out, kv)
	}
	out = append(out, path)
	if builtin {
		out = append(out, "SSL_CERT_FILE=/"+CACertsPath)
	}
	return out
}

func mergeLabels(base, add map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

// pullSize is the sum of the compressed layer sizes of img.
func pullSize(img v1.Image) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, l := range layers {
		s, err := l.Size()
		if err != nil {
			return 0, err
		}
		n += s
	}
	return n, nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// writeLayout writes index and the SBOM artifact as a fresh OCI layout at
// dir: built in a sibling folder, then swapped in, so a failed build
// leaves the previous layout whole.
func writeLayout(dir string, index v1.ImageIndex, sbom v1.Image, revision string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	next := dir + ".next"
	if err := os.RemoveAll(next); err != nil {
		return err
	}
	lp, err := layout.Write(next, empty.Index)
	if err != nil {
		return fmt.Errorf("write the OCI layout %s: %w", dir, err)
	}
	if err := lp.AppendIndex(index, layout.WithAnnotations(map[string]string{AnnotationRefName: revision})); err != nil {
		return fmt.Errorf("write the OCI layout %s: %w", dir, err)
	}
	if err := lp.AppendImage(sbom); err != nil {
		return fmt.Errorf("write the OCI layout %s: %w", dir, err)
	}
	old := dir + ".old"
	_ = os.RemoveAll(old)
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(next, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// RecordPath is the record of component's last build.
func RecordPath(root string, s workspace.ImageSettings, component string) string {
	return filepath.Join(root, filepath.FromSlash(s.Dir), component+".json")
}

// WriteRecord writes img as the record of its component's last build.
func WriteRecord(root string, s workspace.ImageSettings, img Image) error {
	b, err := json.MarshalIndent(img, "", "  ")
	if err != nil {
		return err
	}
	p := RecordPath(root, s, img.Component)
	if err := os.WriteFile(p+".tmp", append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(p+".tmp", p)
}

// ReadRecord reads the record of component's last build (what mono deploy
// uses): an error wrapping os.ErrNotExist when it was never built.
func ReadRecord(root string, s workspace.ImageSettings, component string) (Image, error) {
	var img Image
	b, err := os.ReadFile(RecordPath(root, s, component))
	if err != nil {
		return img, fmt.Errorf("no image of %s: run mono image build %s: %w", component, component, err)
	}
	if err := json.Unmarshal(b, &img); err != nil {
		return img, fmt.Errorf("read %s: %w", RecordPath(root, s, component), err)
	}
	return img, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
