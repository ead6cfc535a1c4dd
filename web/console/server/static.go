package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// static holds the Vite build (static/dist, made by `npm run build`; not
// committed) and a placeholder page served when the binary was built
// without it, so the package compiles on a fresh checkout.
//
//go:embed all:static
var static embed.FS

// file is one file of the app, ready to serve.
type file struct {
	body, gzipped []byte
	etag, ctype   string
	immutable     bool
}

// site serves a single-page app from memory: hashed assets cached for a
// year, every other path that is not a file gets index.html (the app's
// router decides), answered with no-cache so a deploy is seen at once.
type site struct {
	files map[string]*file // by path without leading slash
	built bool             // false: serving the placeholder
}

// loadSite reads the app from fsys (static/dist), or the placeholder when
// fsys has no index.html.
func loadSite(fsys fs.FS) (*site, error) {
	s := &site{files: map[string]*file{}, built: true}
	if _, err := fs.Stat(fsys, "index.html"); errors.Is(err, fs.ErrNotExist) {
		page, err := static.ReadFile("static/placeholder.html")
		if err != nil {
			return nil, err
		}
		s.built = false
		s.files["index.html"] = newFile("index.html", page, false)
		return s, nil
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s.files[p] = newFile(p, b, strings.HasPrefix(p, "assets/"))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the console build: %w", err)
	}
	return s, nil
}

// embeddedSite is the app built into the binary.
func embeddedSite() (*site, error) {
	dist, err := fs.Sub(static, "static/dist")
	if err != nil {
		return nil, err
	}
	return loadSite(dist)
}

func newFile(name string, body []byte, immutable bool) *file {
	sum := sha256.Sum256(body)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(body)
	}
	f := &file{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`, ctype: ctype, immutable: immutable}
	if compressible(ctype) && len(body) > 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			f.gzipped = buf.Bytes()
		}
	}
	return f
}

func compressible(ctype string) bool {
	for _, p := range []string{"text/", "application/javascript", "text/javascript", "application/json", "image/svg+xml"} {
		if strings.HasPrefix(ctype, p) {
			return true
		}
	}
	return false
}

// ServeHTTP serves a file, or index.html for an app route.
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f, ok := s.files[name]
	if !ok {
		// A missing file (an old hashed asset, a typo) is a 404, not the
		// app: the browser would run HTML as a script.
		if path.Ext(name) != "" {
			http.NotFound(w, r)
			return
		}
		f = s.files["index.html"]
	}
	h := w.Header()
	if f.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", f.etag)
	h.Set("Content-Type", f.ctype)
	h.Add("Vary", "Accept-Encoding")
	if !s.built {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(f.body)
		return
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
