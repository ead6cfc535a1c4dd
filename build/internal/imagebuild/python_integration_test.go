package imagebuild

import (
	"archive/tar"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/workspace"
)

// TestIntegrationDashImage builds the real Dash app (sales-dash) of HEAD
// in two clones at different paths on a stand-in Python base pulled by
// digest from the in-process registry: pip installs its pinned wheels for
// linux/amd64 and linux/arm64 from PyPI (cached under the repository's
// .mono/cache). Both clones give the same index; each platform holds the
// app at /app and dash, with the platform's compiled pydantic_core, in
// /opt/site-packages; the config runs python3 /app/app.py as nonroot. On
// an amd64 host the extracted amd64 file system imports with the host's
// Python 3.11, and the app served from it answers /healthz.
func TestIntegrationDashImage(t *testing.T) {
	if testing.Short() {
		t.Skip("pip-installs the Dash app's wheels for two platforms")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 (with pip) is needed to install the wheels: ", err)
	}
	root := repoRoot(t)
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	rev := strings.TrimSpace(string(head))
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	baseRef := pushBase(t, host, "library/python:3.11-slim", []File{{Path: "python-base", Mode: 0o644, Body: []byte("x")}}, func(c *v1.Config) {
		c.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "PYTHON_VERSION=3.11.7"}
		c.Cmd = []string{"python3"}
	})
	cache := filepath.Join(root, ".mono", "cache")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var imgs []Image
	var dirs []string
	for _, dir := range []string{filepath.Join(tmp, "a"), filepath.Join(tmp, "else", "where", "b")} {
		clone(t, root, rev, dir)
		// Own layouts, shared download cache.
		if err := os.MkdirAll(filepath.Join(dir, ".mono"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(cache, filepath.Join(dir, ".mono", "cache")); err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, buildDash(t, dir, baseRef))
		dirs = append(dirs, dir)
	}
	img := imgs[0]
	if img.Digest != imgs[1].Digest || img.SBOM.Digest != imgs[1].SBOM.Digest {
		t.Fatalf("two checkouts of one commit: index %s and %s, sbom %s and %s", img.Digest, imgs[1].Digest, img.SBOM.Digest, imgs[1].SBOM.Digest)
	}
	if img.Base != baseRef || len(img.Platforms) != 2 {
		t.Fatalf("image = %+v", img)
	}
	for i, arch := range []string{"x86_64", "aarch64"} {
		pi := pulledFromLayout(t, dirs[0], img, i)
		cf, err := pi.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{"python3", "/app/app.py"}) || c.Cmd != nil || c.WorkingDir != "/app" ||
			!slices.Contains(c.Env, "PYTHONPATH=/app:/opt/site-packages") || !slices.Contains(c.Env, "PYTHON_VERSION=3.11.7") ||
			c.Labels[AnnotationRevision] != rev || c.Labels[AnnotationBaseName] != baseRef {
			t.Errorf("%s config: %+v", img.Platforms[i].Platform, c)
		}
		if layers, _ := pi.Layers(); len(layers) != 3 {
			t.Errorf("%s: %d layers, want the base's, the app's and the dependencies'", img.Platforms[i].Platform, len(layers))
		}
		names := map[string]bool{}
		tr := tar.NewReader(mutate.Extract(pi))
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			names[strings.TrimSuffix(h.Name, "/")] = true
		}
		for _, want := range []string{"python-base", "app/app.py", "app/sales_dash/main.py", "app/sales_dash/assets/style.css",
			"opt/site-packages/dash/__init__.py", "opt/site-packages/waitress/__init__.py",
			"opt/site-packages/pydantic_core/_pydantic_core.cpython-311-" + arch + "-linux-gnu.so"} {
			if !names[want] {
				t.Errorf("%s: the image has no %s", img.Platforms[i].Platform, want)
			}
		}
		for n := range names {
			if strings.HasPrefix(n, "app/tests") || n == "app/component.yaml" || strings.HasSuffix(n, "_test.go") ||
				strings.HasPrefix(n, "opt/site-packages/bin") || strings.HasPrefix(n, "opt/site-packages/pytest") ||
				strings.HasPrefix(n, "opt/site-packages/ruff") || strings.Contains(n, "__pycache__") {
				t.Errorf("%s: the image has %s", img.Platforms[i].Platform, n)
			}
		}
	}

	// The SBOM lists the installed distributions.
	lp, err := layout.FromPath(filepath.Join(dirs[0], img.Layout))
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := v1.NewHash(img.SBOM.Digest)
	art, err := lp.Image(sd)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(sbomOf(t, art).Packages, func(p SPDXPackage) bool {
		return p.Name == "dash" && p.VersionInfo == "4.4.1" && p.ExternalRefs[0].Locator == "pkg:pypi/dash@4.4.1"
	}) {
		t.Errorf("the SBOM lists no dash 4.4.1")
	}

	if runtime.GOARCH != "amd64" {
		t.Logf("host is %s: the amd64 tree is not imported here", runtime.GOARCH)
		return
	}
	fsRoot := filepath.Join(tmp, "rootfs")
	extract(t, pulledFromLayout(t, dirs[0], img, 0), fsRoot)
	pyPath := "PYTHONPATH=" + filepath.Join(fsRoot, "app") + ":" + filepath.Join(fsRoot, "opt", "site-packages")
	env := []string{pyPath, "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	cmd := exec.Command("python3", "-S", "-c", "import dash, waitress, sales_dash.main; print(dash.__version__, dash.__file__, sales_dash.main.__file__)")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("import dash and the app from the extracted amd64 tree: %v\n%s", err, out)
	}
	if f := strings.Fields(string(out)); len(f) != 3 || f[0] != "4.4.1" || !strings.HasPrefix(f[1], fsRoot) || !strings.HasPrefix(f[2], fsRoot) {
		t.Errorf("imported %q, want dash 4.4.1 and the app from %s", out, fsRoot)
	}
	// The app as the image starts it: python3 /app/app.py.
	port := freePort(t)
	healthz(t, "sales-dash", []string{"python3", "-S", filepath.Join(fsRoot, "app", "app.py")}, port, append(env,
		"SALES_DASH__LISTEN="+port, "SALES_DASH__ORDERS_API_URL=http://127.0.0.1:9", "SALES_DASH__JWT__SIGNING_KEY="+strings.Repeat("k", 32)))
}

// buildDash builds sales-dash in the checkout at dir on the Python base
// baseRef.
func buildDash(t *testing.T, dir, baseRef string) Image {
	t.Helper()
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := ws.Settings.Images
	s.PythonBase = baseRef
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	c := g.Get("sales-dash")
	if c == nil {
		t.Fatal("no component sales-dash")
	}
	p, err := ProgramOf(dir, g, c)
	if err != nil || !p.Python || p.Main != "dash/sales" {
		t.Fatalf("ProgramOf(sales-dash) = %+v, %v", p, err)
	}
	ctx := context.Background()
	commit, err := HeadCommit(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := Build(ctx, Options{Root: dir, Settings: s, Environ: os.Environ(), Progress: testLog{t}}, commit, []Program{p})
	if err != nil {
		t.Fatal(err)
	}
	return imgs[0]
}
