package imagebuild

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type entry struct {
	Name     string
	Mode     int64
	UID, GID int
	ModTime  time.Time
	Uname    string
	Size     int64
}

func entries(t *testing.T, b []byte) []entry {
	t.Helper()
	var out []entry
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{h.Name, h.Mode, h.Uid, h.Gid, h.ModTime.UTC(), h.Uname, h.Size})
	}
}

func TestTarIsDeterministic(t *testing.T) {
	t.Parallel()
	mtime := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	files := []File{
		{Path: "app/pricing", Mode: 0o555, Body: []byte("binary")},
		{Path: "etc/passwd", Mode: 0o644, Body: []byte("root\n")},
		{Path: "/tmp", Dir: true, Mode: 0o1777},
		{Path: "home/nonroot", Dir: true, Mode: 0o700, UID: NonRoot, GID: NonRoot},
	}
	reversed := []File{files[3], files[2], files[1], files[0]}
	a, err := Tar(files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	// Another order, another time zone and sub-second noise: the same bytes.
	b, err := Tar(reversed, mtime.In(time.FixedZone("x", 3600)).Add(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same files in another order gave another tar")
	}
	want := []entry{
		{"app/", 0o755, 0, 0, mtime, "", 0},
		{"app/pricing", 0o555, 0, 0, mtime, "", 6},
		{"etc/", 0o755, 0, 0, mtime, "", 0},
		{"etc/passwd", 0o644, 0, 0, mtime, "", 5},
		{"home/", 0o755, 0, 0, mtime, "", 0},
		{"home/nonroot/", 0o700, NonRoot, NonRoot, mtime, "", 0},
		{"tmp/", 0o1777, 0, 0, mtime, "", 0},
	}
	if diff := cmp.Diff(want, entries(t, a)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}

	la, err := Layer(files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := Layer(reversed, mtime)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := la.Digest()
	db, _ := lb.Digest()
	if da != db {
		t.Errorf("layer digests differ: %s and %s", da, db)
	}
	other, _ := Layer(files, mtime.Add(time.Second))
	if d, _ := other.Digest(); d == da {
		t.Error("another mtime gave the same layer")
	}
}

func TestTarRejectsBadPaths(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		files []File
		want  string
	}{
		{"outside", []File{{Path: "../etc/passwd"}}, "not a path inside the image"},
		{"root", []File{{Path: "/"}}, "not a path inside the image"},
		{"twice", []File{{Path: "a"}, {Path: "/a"}}, "listed twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Tar(tt.files, time.Unix(0, 0))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Tar: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestBaseFiles(t *testing.T) {
	t.Parallel()
	files := map[string]File{}
	for _, f := range BaseFiles() {
		files[f.Path] = f
	}
	if !strings.Contains(string(files["etc/passwd"].Body), "nonroot:x:65532:65532:") {
		t.Errorf("etc/passwd has no nonroot user:\n%s", files["etc/passwd"].Body)
	}
	if f := files["tmp"]; !f.Dir || f.Mode != 0o1777 {
		t.Errorf("tmp = %+v, want a sticky world-writable folder", f)
	}
	for _, shell := range []string{"bin/sh", "bin/bash", "usr/bin/env"} {
		if _, ok := files[shell]; ok {
			t.Errorf("the base has %s", shell)
		}
	}
	// The CA bundle parses, holds Amazon's roots (the programs talk to
	// AWS) and is the same on every call.
	pemData := files[CACertsPath].Body
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("the CA bundle does not parse")
	}
	var amazon bool
	for rest := pemData; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		amazon = amazon || c.Subject.CommonName == "Amazon Root CA 1"
	}
	if !amazon {
		t.Error("the CA bundle has no Amazon Root CA 1")
	}
	if !bytes.Equal(pemData, CACerts()) {
		t.Error("CACerts differs between calls")
	}
}
