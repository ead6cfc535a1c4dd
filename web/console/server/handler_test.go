package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func testSite(t *testing.T) *site {
	t.Helper()
	s, err := loadSite(fstest.MapFS{
		"index.html":          {Data: []byte(`<!doctype html><script type="module" src="/assets/index-abc.js"></script>`)},
		"assets/index-abc.js": {Data: []byte(strings.Repeat("console.log('app');\n", 200))},
		"robots.txt":          {Data: []byte("User-agent: *\nDisallow: /\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStaticAndFallback(t *testing.T) {
	t.Parallel()
	h := newHandler(testSite(t), nil)
	tests := []struct {
		name, path, accept string
		status             int
		cache, ctype, enc  string
		bodyHas            string
	}{
		{"root is the app", "/", "", 200, "no-cache", "text/html; charset=utf-8", "", "<!doctype html>"},
		{"app route falls back", "/orders/123", "", 200, "no-cache", "text/html; charset=utf-8", "", "/assets/index-abc.js"},
		{"index.html itself", "/index.html", "", 200, "no-cache", "text/html; charset=utf-8", "", "<!doctype html>"},
		{"hashed asset cached forever", "/assets/index-abc.js", "", 200, "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", "", "console.log"},
		{"gzip when accepted", "/assets/index-abc.js", "gzip, br", 200, "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", "gzip", ""},
		{"other file revalidated", "/robots.txt", "", 200, "no-cache", "text/plain; charset=utf-8", "", "Disallow"},
		{"missing asset is 404, not HTML", "/assets/index-old.js", "", 404, "", "text/plain; charset=utf-8", "", "not found"},
		{"traversal serves only the app", "/assets/..%2f..%2fetc/passwd", "", 200, "no-cache", "text/html; charset=utf-8", "", "<!doctype html>"},
		{"api without proxy says why", "/api/orders", "", 404, "", "application/problem+json", "", "api_proxy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			got := []string{res.Status, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"), res.Header.Get("Content-Encoding")}
			want := []string{http.StatusText(tc.status), tc.cache, tc.ctype, tc.enc}
			got[0] = http.StatusText(res.StatusCode)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GET %s: status, cache-control, content-type, content-encoding (-want +got):\n%s", tc.path, diff)
			}
			if !strings.Contains(string(body), tc.bodyHas) {
				t.Errorf("GET %s: body %.200q lacks %q", tc.path, body, tc.bodyHas)
			}
		})
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	h := newHandler(testSite(t), nil)
	for _, p := range []string{"/", "/assets/index-abc.js", "/nope.js", "/api/x"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		hd := rec.Result().Header
		csp := hd.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if got := hd.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", p, k, got, v)
			}
		}
	}
}

func TestConditionalGetAndMethods(t *testing.T) {
	t.Parallel()
	h := newHandler(testSite(t), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	etag := rec.Result().Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on index.html")
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x")))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/assets/index-abc.js", nil))
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, body %d bytes, length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

func TestPlaceholderWithoutBuild(t *testing.T) {
	t.Parallel()
	s, err := loadSite(fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	newHandler(s, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/orders", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "npm run build") {
		t.Errorf("unbuilt console: %d %q, want 503 saying how to build", rec.Code, rec.Body.String())
	}
}

func TestAPIProxy(t *testing.T) {
	t.Parallel()
	var seen *http.Request
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Clone(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"orders":[]}`)
	}))
	defer api.Close()
	target, _ := url.Parse(api.URL)
	h := newHandler(testSite(t), apiProxy(target, slog.New(slog.DiscardHandler)))

	req := httptest.NewRequest(http.MethodGet, "/api/orders?status=pending", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("X-Request-Id", "req-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != `{"orders":[]}` {
		t.Fatalf("proxied: %d %q", rec.Code, rec.Body.String())
	}
	got := []string{seen.URL.Path, seen.URL.RawQuery, seen.Header.Get("Authorization"), seen.Header.Get("X-Request-Id")}
	if diff := cmp.Diff([]string{"/orders", "status=pending", "Bearer tok", "req-1"}, got); diff != "" {
		t.Errorf("what orders-api saw (-want +got):\n%s", diff)
	}

	// orders-api down: a 502 problem the app can show.
	api.Close()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/orders", nil))
	if rec.Code != http.StatusBadGateway || rec.Header().Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(rec.Body.String(), "orders-api is unreachable") {
		t.Errorf("API down: %d %s %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}
