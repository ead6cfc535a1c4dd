package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/acme/platform/libs/server"
)

// contentSecurityPolicy allows the app's own files and calls to its own
// origin only: no inline scripts or styles, no framing, no plugins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response of the console carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		next.ServeHTTP(w, r)
	})
}

// apiProxy forwards /api/<path> to <target>/<path>. When orders-api cannot
// be reached it answers 502 with a problem the app shows.
func apiProxy(target *url.URL, log *slog.Logger) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = singleSlash(target.Path, strings.TrimPrefix(pr.In.URL.Path, "/api"))
			pr.Out.URL.RawPath = ""
			pr.SetXForwarded()
			if id := pr.In.Header.Get(server.RequestIDHeader); id != "" {
				pr.Out.Header.Set(server.RequestIDHeader, id)
			}
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the browser went away
			}
			log.Warn("orders-api unreachable", "target", target.String(), "err", err)
			server.WriteProblem(w, r, http.StatusBadGateway, fmt.Sprintf("orders-api is unreachable at %s", target.Host))
		},
	}
}

func singleSlash(base, p string) string {
	if p == "" {
		p = "/"
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(p, "/")
}

// newHandler is the console: the app, and /api proxied to orders-api when
// api is not nil.
func newHandler(app http.Handler, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	if api != nil {
		mux.Handle("/api/", api)
	} else {
		mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			server.WriteProblem(w, r, http.StatusNotFound, "this console does not proxy /api (console.api_proxy is off): the ingress routes /api to orders-api")
		}))
	}
	mux.Handle("/", app)
	return securityHeaders(mux)
}
