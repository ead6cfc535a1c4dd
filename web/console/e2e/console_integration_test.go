package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestIntegrationConsoleChecks runs the console's type check, the check
// that src/api/schema.d.ts matches services/orders-api/openapi.json, and
// the Vitest suite.
func TestIntegrationConsoleChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the npm workspaces and runs Vitest")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root := repoRoot(t)
	npmReady(t, ctx, root)
	out := run(t, ctx, root, nil, "npm", "run", "lint", "--workspace", "web/console")
	if !strings.Contains(out, "api types: in sync") {
		t.Errorf("lint did not check the API types:\n%s", out)
	}
	out = run(t, ctx, root, []string{"CI=true", "NO_COLOR=1"}, "npm", "test", "--workspace", "web/console")
	if !regexp.MustCompile(`Tests\s+\d+ passed`).MatchString(out) {
		t.Errorf("vitest printed no passing tests:\n%s", out)
	}
}

// TestIntegrationConsoleEmbedded builds the app with Vite into a temporary
// folder, builds the Go server with that build in its embed folder (an
// -overlay, so the source tree is not written), and checks what the binary
// serves: the app, its hashed assets cached for a year, the headers.
func TestIntegrationConsoleEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the console with Vite and Go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root := repoRoot(t)
	npmReady(t, ctx, root)
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	run(t, ctx, root, nil, "npm", "run", "build", "--workspace", "web/console", "--", "--outDir", dist, "--emptyOutDir", "--logLevel", "warn")

	embed := filepath.Join(root, "web", "console", "server", "static", "dist")
	replace := map[string]string{}
	err := filepath.WalkDir(dist, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dist, p)
		replace[filepath.Join(embed, rel)] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": replace})
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "console")
	run(t, ctx, root, nil, "go", "build", "-overlay", overlayFile, "-o", bin, "./web/console/server")

	addr := freeAddr(t)
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ENV=local", "CONFIG_DIR="+filepath.Join(root, "config"),
		"CONSOLE__HTTP__LISTEN="+addr, "CONSOLE__HTTP__ADMIN_LISTEN=", "CONSOLE__ORDERS_API_URL=http://"+freeAddr(t))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	base := "http://" + addr
	var index string
	for deadline := time.Now().Add(30 * time.Second); ; {
		res, err := http.Get(base + "/orders")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("GET /orders (an app route): %d\n%s", res.StatusCode, b)
			}
			index = string(b)
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("index Cache-Control %q, want no-cache", cc)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("console did not answer: %v\n%s", err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Contains(index, "not built") {
		t.Fatalf("the binary serves the placeholder, not the embedded build:\n%s", index)
	}
	if regexp.MustCompile(`<script>|<script(\s+type="module")?>`).MatchString(index) {
		t.Errorf("index.html has an inline script, which the CSP blocks:\n%s", index)
	}
	m := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindStringSubmatch(index)
	if m == nil {
		t.Fatalf("index.html names no hashed script:\n%s", index)
	}
	res, err := http.Get(base + m[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("GET %s: %d, Cache-Control %q, Content-Type %q", m[1], res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	res, err = http.Get(base + "/api/orders")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("GET /api/orders with orders-api down: %d, want 502", res.StatusCode)
	}
}
