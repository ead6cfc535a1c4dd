package imagebuild

import (
	"bytes"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// CACertsPath is where Go (and most TLS stacks on Linux) look for the
// trusted roots.
const CACertsPath = "etc/ssl/certs/ca-certificates.crt"

// BaseFiles is the root file system of the built-in base (mono:static):
// the root and nonroot users and groups, a home for nonroot, /tmp and the
// CA certificates of the Mozilla NSS store as golang.org/x/crypto/x509roots/
// fallback carries them at the version go.mod pins (the same bytes on every
// machine). Roots with a distrust-after constraint, which a PEM bundle
// cannot express, are left out. No shell, no package manager.
func BaseFiles() []File {
	return []File{
		{Path: "etc/passwd", Mode: 0o644, Body: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonRoot, NonRoot))},
		{Path: "etc/group", Mode: 0o644, Body: []byte(fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", NonRoot))},
		{Path: CACertsPath, Mode: 0o644, Body: CACerts()},
		{Path: "home/nonroot", Dir: true, Mode: 0o700, UID: NonRoot, GID: NonRoot},
		{Path: "tmp", Dir: true, Mode: 0o1777},
	}
}

// CACerts returns the PEM bundle of the unconstrained fallback roots.
func CACerts() []byte {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return buf.Bytes()
}
