package imagebuild

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestSBOM turns build information like that of a program into SPDX (the
// integration test reads a real binary's).
func TestSBOM(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8", Path: "github.com/acme/platform/services/pricing",
		Main: debug.Module{Path: "github.com/acme/platform", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "connectrpc.com/connect", Version: "v1.19.1", Sum: "h1:abc="},
			{Path: "github.com/google/go-containerregistry", Version: "v0.22.1", Sum: "h1:def="},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/new", Version: "v1.1.0", Sum: "h1:ghi="}},
		},
		Settings: []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "0"}, {Key: "GOARCH", Value: "arm64"}},
	}
	b, err := SBOMOf([]*debug.BuildInfo{bi}, "pricing", "https://spdx.org/spdxdocs/acme/x-1", created)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SBOMOf([]*debug.BuildInfo{bi}, "pricing", "https://spdx.org/spdxdocs/acme/x-1", created)
	if string(b) != string(again) {
		t.Error("two SBOMs of one binary differ")
	}
	var doc SPDX
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2026-12-06T05:00:00Z" || doc.Packages[0].Name != "github.com/acme/platform" {
		t.Errorf("document header: %s %s %s", doc.SPDXVersion, doc.CreationInfo.Created, doc.Packages[0].Name)
	}
	var found *SPDXPackage
	for i, p := range doc.Packages {
		if p.Name == "github.com/google/go-containerregistry" {
			found = &doc.Packages[i]
		}
	}
	if found == nil {
		t.Fatalf("no go-containerregistry package in\n%s", b)
	}
	if found.VersionInfo != "v0.22.1" || !strings.HasPrefix(found.Comment, "go.sum h1:") || found.ExternalRefs[0].Locator != "pkg:golang/github.com/google/go-containerregistry@v0.22.1" {
		t.Errorf("go-containerregistry package = %+v", *found)
	}
	if p := doc.Packages[2]; p.Name != "example.com/new" || p.Comment != "go.sum h1:ghi= replaces example.com/old@v1.0.0" {
		t.Errorf("replaced module = %+v", p)
	}
	if doc.Packages[0].ExternalRefs[0].Locator != "pkg:golang/github.com/acme/platform" || doc.CreationInfo.Comment != "go1.26.8 CGO_ENABLED=0" {
		t.Errorf("main package %+v, comment %q", doc.Packages[0], doc.CreationInfo.Comment)
	}
	if len(doc.Relationships) != len(doc.Packages) {
		t.Errorf("%d relationships for %d packages", len(doc.Relationships), len(doc.Packages))
	}
}

func TestArtifact(t *testing.T) {
	t.Parallel()
	subject := v1.Descriptor{MediaType: types.OCIImageIndex, Size: 123, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}}
	art, err := Artifact([]byte(`{"spdxVersion":"SPDX-2.3"}`), SBOMMediaType, subject, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := art.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != SBOMMediaType || m.Config.MediaType != types.OCIEmptyJSON || m.Config.Size != 2 ||
		m.Subject == nil || m.Subject.Digest != subject.Digest || len(m.Layers) != 1 || m.Layers[0].MediaType != SBOMMediaType {
		t.Errorf("manifest = %+v", m)
	}
	layers, err := art.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %v %v", layers, err)
	}
	cfg, err := art.RawConfigFile()
	if err != nil || string(cfg) != "{}" {
		t.Errorf("config = %q, %v", cfg, err)
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	img := Image{Component: "pricing", Repository: "acme/pricing", Tag: strings.Repeat("a", 40), Revision: strings.Repeat("a", 40)}
	for _, tt := range []struct {
		name, registry string
		img            Image
		want           string // error part; "" for success
		tag            string
	}{
		{"ecr", "123456789012.dkr.ecr.eu-central-1.amazonaws.com", img, "", "123456789012.dkr.ecr.eu-central-1.amazonaws.com/acme/pricing:" + img.Tag},
		{"loopback with path", "127.0.0.1:5000/team/", img, "", "127.0.0.1:5000/team/acme/pricing:" + img.Tag},
		{"url", "https://registry.example.com", img, "want a registry as host[:port][/path]", ""},
		{"empty", "", img, "want a registry", ""},
		{"bad host", "UPPER_case:xx", img, "is not a registry host", ""},
		{"bad path", "registry.example.com/Upper", img, "is not a valid repository", ""},
		{"dirty", "registry.example.com", Image{Component: "pricing", Repository: "acme/pricing", Tag: img.Tag, Dirty: true}, "uncommitted changes", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Targets(tt.registry, []Image{tt.img})
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Targets(%q): %v, want an error containing %q", tt.registry, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Tag.String() != tt.tag {
				t.Errorf("tag = %s, want %s", got[0].Tag, tt.tag)
			}
		})
	}
}
