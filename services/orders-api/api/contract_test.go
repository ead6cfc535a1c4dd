package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/services/orders-api/api"
	"github.com/acme/platform/services/orders-api/migrations"
	"github.com/acme/platform/services/orders-api/ordersdb"
)

const committed = "../openapi.json"

// TestOpenAPIContract: the document the running service serves is the
// committed one. Refresh it with go generate ./services/orders-api/...
func TestOpenAPIContract(t *testing.T) {
	t.Parallel()
	e := start(t, &ordersdb.Gate{}, pricing.Local{Rules: pricing.DefaultRules()})
	res := e.do(t, "GET", "/openapi.json", "", nil)
	if res.status != 200 {
		t.Fatalf("GET /openapi.json: %d", res.status)
	}
	var served, want any
	res.json(t, &served)
	raw, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("%s: %v", committed, err)
	}
	if diff := cmp.Diff(want, served); diff != "" {
		t.Errorf("served OpenAPI differs from services/orders-api/openapi.json (run go generate ./services/orders-api/...) (-committed +served):\n%s", diff)
	}
	gen, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if string(gen) != string(raw) {
		t.Error("services/orders-api/openapi.json is not formatted as generated (run go generate ./services/orders-api/...)")
	}
	doc := served.(map[string]any)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v, want 3.1.0", doc["openapi"])
	}
}

func TestDocsPageIsSelfContained(t *testing.T) {
	t.Parallel()
	e := start(t, &ordersdb.Gate{}, pricing.Local{Rules: pricing.DefaultRules()})
	page := e.do(t, "GET", "/docs", "", nil)
	if page.status != 200 || !strings.Contains(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", page.status, page.header.Get("Content-Type"))
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP %q does not keep the page to this origin", csp)
	}
	for _, s := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr"} {
		if strings.Contains(string(page.body), s) {
			t.Errorf("docs page refers to %q", s)
		}
	}
	js := e.do(t, "GET", "/docs/redoc.standalone.js", "", nil)
	if js.status != 200 || len(js.body) < 100_000 {
		t.Errorf("GET /docs/redoc.standalone.js: %d, %d bytes", js.status, len(js.body))
	}
	if res := e.do(t, "GET", "/", "", nil); res.status != 200 || !strings.Contains(string(res.body), "redoc") {
		t.Errorf("GET / does not lead to the docs: %d", res.status)
	}
}

// TestIntegrationDocsRenderOffline renders /docs in headless Chromium with
// every host name but the loopback address unresolvable, and checks that
// Redoc drew the operations.
func TestIntegrationDocsRenderOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	t.Parallel()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is needed (Debian package chromium, see .ci/apt.d/services.txt): %v", err)
	}
	e := start(t, ordersdb.New(dbtest.NewSQLite(t, migrations.Set(), nil)), pricing.Local{Rules: pricing.DefaultRules()})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	profile := t.TempDir()
	shot := filepath.Join(profile, "docs.png")
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--virtual-time-budget=20000", "--window-size=1280,900",
	}
	out, err := exec.CommandContext(ctx, chromium, append(args, "--dump-dom", e.url+"/docs")...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{"Orders API", "Create an order", "Get an order", "Daily sales, orders by status and revenue by region", "Idempotency-Key"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered docs lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("DOM (first 2000 bytes): %.2000s", dom)
	}
	// A picture for people, kept when MONO_ARTIFACTS names a folder.
	if dir := os.Getenv("MONO_ARTIFACTS"); dir != "" {
		if err := exec.CommandContext(ctx, chromium, append(args, "--screenshot="+shot, e.url+"/docs")...).Run(); err == nil {
			raw, _ := os.ReadFile(shot)
			_ = os.WriteFile(filepath.Join(dir, "orders-api-docs.png"), raw, 0o644)
		}
	}
}
