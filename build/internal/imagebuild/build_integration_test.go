package imagebuild

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/build/internal/workspace"
)

// repoRoot is the checkout this test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := workspace.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// clone checks out commit rev of the repository at root into dir.
func clone(t *testing.T, root, rev, dir string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"clone", "-q", "--shared", "--no-checkout", root, dir}, {"-C", dir, "checkout", "-q", "--detach", rev}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// build builds pricing in the checkout at dir with its mono.yaml settings,
// changed by edit.
func build(t *testing.T, dir string, edit func(*workspace.ImageSettings)) (workspace.ImageSettings, Image) {
	t.Helper()
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := ws.Settings.Images
	if edit != nil {
		edit(&s)
	}
	ctx := context.Background()
	commit, err := HeadCommit(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if commit.Dirty {
		t.Fatalf("a fresh clone is dirty")
	}
	imgs, err := Build(ctx, Options{Root: dir, Settings: s, Environ: os.Environ(), Progress: testLog{t}}, commit, []Program{{Component: "pricing", Main: "services/pricing"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, imgs[0]
}

// TestIntegrationPricingImage is the image part of issue 13's proof: two
// clones of one commit at different paths build the same index; pushed to
// a registry and pulled back, the host platform's file system runs
// pricing, which answers /healthz; the SBOM is listed among the index's
// referrers and names a known dependency.
func TestIntegrationPricingImage(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles pricing for two platforms")
	}
	root := repoRoot(t)
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	rev := strings.TrimSpace(string(head))
	tmp := t.TempDir()
	a := clone(t, root, rev, filepath.Join(tmp, "a"))
	b := clone(t, root, rev, filepath.Join(tmp, "somewhere", "else", "b"))
	settings, imgA := build(t, a, nil)
	_, imgB := build(t, b, nil)
	if imgA.Digest != imgB.Digest || imgA.SBOM.Digest != imgB.SBOM.Digest {
		t.Fatalf("two checkouts of one commit: index %s and %s, sbom %s and %s", imgA.Digest, imgB.Digest, imgA.SBOM.Digest, imgB.SBOM.Digest)
	}
	if got := []string{imgA.Platforms[0].Platform, imgA.Platforms[1].Platform}; !slices.Equal(got, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("platforms = %v", got)
	}
	rec, err := ReadRecord(a, settings, "pricing")
	if err != nil || rec.Digest != imgA.Digest || rec.Layout != ".mono/images/pricing" {
		t.Fatalf("record = %+v, %v", rec, err)
	}

	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	targets, err := Targets(host, []Image{imgA})
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := Push(ctx, a, settings, host, []Image{imgA}, targets, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	wantRef := host + "/acme/pricing@" + imgA.Digest
	if rec, _ := ReadRecord(a, settings, "pricing"); pushed[0].Reference != wantRef || rec.Reference != wantRef || rec.TagReference != host+"/acme/pricing:"+imgA.Revision {
		t.Errorf("after push: result %s, record %+v; want %s", pushed[0].Reference, rec, wantRef)
	}
	// A second push of the same image changes nothing.
	if _, err := Push(ctx, a, settings, host, []Image{imgA}, targets, testLog{t}); err != nil {
		t.Errorf("second push: %v", err)
	}

	// Pull back by tag.
	tag := targets[0].Tag
	idx, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := idx.Digest(); d.String() != imgA.Digest {
		t.Errorf("pulled index %s, built %s", d, imgA.Digest)
	}
	if m, _ := idx.IndexManifest(); m.Annotations[AnnotationRevision] != imgA.Revision || m.Annotations[AnnotationTitle] != "pricing" || m.Annotations[AnnotationCreated] == "" {
		t.Errorf("index annotations = %v", m.Annotations)
	}
	img, err := remote.Image(tag, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || !slices.Equal(cf.Config.Entrypoint, []string{"/app/pricing"}) || cf.Config.Labels[AnnotationRevision] != imgA.Revision || !cf.Created.Equal(imgA.Created) {
		t.Errorf("config: user %q, entrypoint %v, labels %v, created %v", cf.Config.User, cf.Config.Entrypoint, cf.Config.Labels, cf.Created)
	}
	fsRoot := filepath.Join(tmp, "rootfs")
	entries := extract(t, img, fsRoot)
	if h := entries["app/pricing"]; h == nil || h.Uid != 0 || h.Mode != 0o555 {
		t.Errorf("app/pricing: %+v, want root-owned 0555", h)
	}
	for _, want := range []string{"etc/passwd", "etc/group", CACertsPath, "tmp"} {
		if entries[want] == nil {
			t.Errorf("the image has no %s", want)
		}
	}
	for _, shell := range []string{"bin/sh", "bin/bash"} {
		if entries[shell] != nil {
			t.Errorf("the image has a shell: %s", shell)
		}
	}
	port, admin := freePort(t), freePort(t)
	healthz(t, "pricing", []string{filepath.Join(fsRoot, "app", "pricing")}, port,
		[]string{"ENV=local", "CONFIG_DIR=" + filepath.Join(a, "config"), "PRICING__HTTP__LISTEN=" + port, "PRICING__HTTP__ADMIN_LISTEN=" + admin, "HOME=" + t.TempDir()})

	// The SBOM is a referrer of the index and lists connect.
	refs, err := remote.Referrers(targets[0].Repo.Digest(imgA.Digest))
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := refs.IndexManifest()
	if len(rm.Manifests) != 1 || rm.Manifests[0].Digest.String() != imgA.SBOM.Digest {
		t.Fatalf("referrers of the index = %+v, want the SBOM %s", rm.Manifests, imgA.SBOM.Digest)
	}
	sbomImg, err := remote.Image(targets[0].Repo.Digest(imgA.SBOM.Digest))
	if err != nil {
		t.Fatal(err)
	}
	// The manifest's own artifactType (the in-process registry lists the
	// config's media type in referrers instead).
	if m, _ := sbomImg.Manifest(); m.ArtifactType != SBOMMediaType || m.Subject == nil || m.Subject.Digest.String() != imgA.Digest {
		t.Errorf("SBOM manifest: artifactType %q, subject %+v", m.ArtifactType, m.Subject)
	}
	doc := sbomOf(t, sbomImg)
	if !slices.ContainsFunc(doc.Packages, func(p SPDXPackage) bool {
		return p.Name == "connectrpc.com/connect" && strings.HasPrefix(p.VersionInfo, "v") && strings.HasPrefix(p.Comment, "go.sum h1:")
	}) {
		t.Errorf("the SBOM lists no connectrpc.com/connect with version and sum: %+v", doc.Packages)
	}

	t.Run("registry base", func(t *testing.T) {
		// A base named by digest in mono.yaml is pulled: here one made
		// locally and pushed to the in-process registry.
		baseRef := pushBase(t, host, "base/static:test", BaseFiles(), func(c *v1.Config) {
			c.Env, c.Labels = []string{"PATH=/usr/bin"}, map[string]string{"base.label": "kept"}
		})
		_, img := build(t, a, func(s *workspace.ImageSettings) { s.Base = baseRef; s.Platforms = []string{"linux/" + runtime.GOARCH} })
		if img.Digest == imgA.Digest {
			t.Fatal("another base gave the same index")
		}
		lp := pulledFromLayout(t, a, img, 0)
		cf, _ := lp.ConfigFile()
		layers, _ := lp.Layers()
		if len(layers) != 2 || !slices.Contains(cf.Config.Env, "PATH=/app:/usr/bin") || slices.ContainsFunc(cf.Config.Env, func(e string) bool { return strings.HasPrefix(e, "SSL_CERT_FILE=") }) || cf.Config.Labels["base.label"] != "kept" {
			t.Errorf("on the registry base: %d layers, env %v, labels %v", len(layers), cf.Config.Env, cf.Config.Labels)
		}
		m, _ := lp.Manifest()
		if m.Annotations[AnnotationBaseName] != baseRef {
			t.Errorf("base.name annotation = %q, want %q", m.Annotations[AnnotationBaseName], baseRef)
		}
		// Its tag (the same revision) already names the first image.
		tg, _ := Targets(host, []Image{img})
		if _, err := Push(ctx, a, settings, host, []Image{img}, tg, testLog{t}); err == nil || !strings.Contains(err.Error(), "tags are immutable") {
			t.Errorf("push over an existing tag: %v", err)
		}
		// A base that is not there fails the build, naming the setting.
		missing := host + "/base/static@sha256:" + strings.Repeat("0", 64)
		ws, _ := workspace.Load(a)
		s := ws.Settings.Images
		s.Base = missing
		commit, _ := HeadCommit(ctx, a)
		_, err := Build(ctx, Options{Root: a, Settings: s, Environ: os.Environ(), Progress: io.Discard}, commit, []Program{{Component: "pricing", Main: "services/pricing"}})
		if err == nil || !strings.Contains(err.Error(), "mono.yaml images.base") {
			t.Errorf("missing base: %v", err)
		}
	})
}

// pushBase pushes a two-platform base to host/repo: files as its one
// layer, its config changed by edit; it returns its reference by digest.
func pushBase(t *testing.T, host, repo string, files []File, edit func(*v1.Config)) string {
	t.Helper()
	layer, err := Layer(files, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{Layer: layer})
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", arch
		edit(&cf.Config)
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	tag, _ := name.NewTag(host + "/" + repo)
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	return tag.String() + "@" + d.String()
}

// TestIntegrationAirflowImage builds the Airflow image of the fixture
// workspace (its DAG files and the job they run) on an Airflow-like base
// pinned by digest and served by an in-process registry: the official
// image cannot be pulled here.
func TestIntegrationAirflowImage(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a program")
	}
	t.Parallel()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	baseRef := pushBase(t, host, "apache/airflow:3", []File{{Path: "airflow-base", Mode: 0o644, Body: []byte("x")}}, func(c *v1.Config) {
		c.User, c.Entrypoint = "50000", []string{"/entrypoint"}
	})
	files := fixture.Polyglot()
	files["mono.yaml"] += "images:\n  airflowBase: " + baseRef + "\n"
	files["dags/tests/test_daily.py"] = "# a test, not shipped\n"
	dir := fixture.Repo(t, files)
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ProgramOf(dir, g, g.Get("dags"))
	if err != nil || !p.Airflow || len(p.Jobs) != 1 || p.Jobs[0].Name != "job" {
		t.Fatalf("ProgramOf(dags) = %+v, %v", p, err)
	}
	ctx := context.Background()
	commit, err := HeadCommit(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := Build(ctx, Options{Root: dir, Settings: ws.Settings.Images, Environ: os.Environ(), Progress: testLog{t}}, commit, []Program{p})
	if err != nil {
		t.Fatal(err)
	}
	img := imgs[0]
	if img.Base != baseRef || len(img.Platforms) != 2 {
		t.Errorf("image = %+v", img)
	}
	pi := pulledFromLayout(t, dir, img, 0)
	cf, _ := pi.ConfigFile()
	if cf.Config.User != "50000" || !slices.Equal(cf.Config.Entrypoint, []string{"/entrypoint"}) || cf.Config.Labels[AnnotationRevision] != commit.Revision {
		t.Errorf("config: user %q, entrypoint %v, labels %v: want the base's user and entrypoint, our labels", cf.Config.User, cf.Config.Entrypoint, cf.Config.Labels)
	}
	var names []string
	tr := tar.NewReader(mutate.Extract(pi))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
	}
	for _, want := range []string{AirflowDAGs + "/daily.py", AirflowDAGs + "/pyproject.toml", AirflowBin + "/job", "airflow-base"} {
		if !slices.Contains(names, want) {
			t.Errorf("the Airflow image has no %s: %v", want, names)
		}
	}
	for _, unwanted := range []string{AirflowDAGs + "/tests/test_daily.py", AirflowDAGs + "/component.yaml"} {
		if slices.Contains(names, unwanted) {
			t.Errorf("the Airflow image has %s", unwanted)
		}
	}
}

// sbomOf reads the SPDX document an SBOM artifact carries.
func sbomOf(t *testing.T, art v1.Image) SPDX {
	t.Helper()
	layers, err := art.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("SBOM artifact layers: %v, %v", layers, err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var doc SPDX
	if err := json.NewDecoder(rc).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// pulledFromLayout returns the i-th platform image of img's layout.
func pulledFromLayout(t *testing.T, root string, img Image, i int) v1.Image {
	t.Helper()
	lp, err := layout.FromPath(filepath.Join(root, img.Layout))
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := v1.NewHash(img.Digest)
	idx, err := top.ImageIndex(id)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := v1.NewHash(img.Platforms[i].Digest)
	pi, err := idx.Image(d)
	if err != nil {
		t.Fatal(err)
	}
	return pi
}

// extract writes the regular files and folders of img's flattened file
// system under dir and returns the tar headers by path (no trailing /).
func extract(t *testing.T, img v1.Image, dir string) map[string]*tar.Header {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	entries := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries[strings.TrimSuffix(h.Name, "/")] = h
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode).Perm()|0o200)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			f.Close()
		default:
			t.Errorf("unexpected entry %s of type %c", h.Name, h.Typeflag)
		}
	}
	return entries
}

// healthz runs argv with env (the program what, extracted from an image)
// and waits for http://addr/healthz to answer 200.
func healthz(t *testing.T, what string, argv []string, addr string, env []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s from the image did not answer /healthz on %s in 30s; its output:\n%s", what, addr, out.String())
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr())
}
