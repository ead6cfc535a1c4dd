package api

import (
	"embed"
	"net/http"
)

// The docs page is Redoc's standalone bundle, vendored from npm by
// docs/vendor.sh and embedded, so /docs renders with no network beyond this
// service. (huma's own docs page loads its renderer from a CDN.) Redoc was
// chosen over Stoplight Elements and Scalar because it ships as one
// self-contained file and renders OpenAPI 3.1.
//
//go:embed docs/index.html docs/redoc.standalone.js
var docsFS embed.FS

// docsCSP lets the page load only from this origin. Redoc styles inline and
// runs its search in a blob: worker.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func docsPage() http.Handler {
	page, _ := docsFS.ReadFile("docs/index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", docsCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(page)
	})
}

func docsAsset() http.Handler {
	js, _ := docsFS.ReadFile("docs/redoc.standalone.js")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(js)
	})
}
