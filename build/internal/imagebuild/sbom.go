package imagebuild

import (
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// SBOMMediaType is the media type of the SBOM blob and the artifactType
// of the manifest that carries it.
const SBOMMediaType = "application/spdx+json"

// SPDX is the part of an SPDX 2.3 JSON document mono writes.
type SPDX struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      SPDXCreation       `json:"creationInfo"`
	Packages          []SPDXPackage      `json:"packages"`
	Relationships     []SPDXRelationship `json:"relationships"`
}

// SPDXCreation is the creationInfo of a document.
type SPDXCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
	Comment  string   `json:"comment,omitempty"`
}

// SPDXPackage is one Go module: the main one or a dependency.
type SPDXPackage struct {
	Name             string    `json:"name"`
	SPDXID           string    `json:"SPDXID"`
	VersionInfo      string    `json:"versionInfo,omitempty"`
	DownloadLocation string    `json:"downloadLocation"`
	FilesAnalyzed    bool      `json:"filesAnalyzed"`
	Comment          string    `json:"comment,omitempty"`
	ExternalRefs     []SPDXRef `json:"externalRefs,omitempty"`
}

// SPDXRef is a package URL reference.
type SPDXRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

// SPDXRelationship links two elements.
type SPDXRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// SBOM reads the Go build information of binary (module path, version and
// go.sum hash of every module linked in, the Go version, the build
// settings) and returns it as an SPDX 2.3 document. created is the commit
// time, so the document is the same for the same commit.
func SBOM(binary, name, namespace string, created time.Time) ([]byte, error) {
	bi, err := buildinfo.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("read the build information of %s: %w", name, err)
	}
	return SBOMOf(bi, name, namespace, created)
}

// SBOMOf is SBOM over build information already read.
func SBOMOf(bi *debug.BuildInfo, name, namespace string, created time.Time) ([]byte, error) {
	var settings []string
	for _, s := range bi.Settings {
		if s.Key == "GOARCH" || s.Key == "GOAMD64" || s.Key == "GOARM64" {
			continue // the same document for every platform
		}
		settings = append(settings, s.Key+"="+s.Value)
	}
	doc := SPDX{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", Name: name,
		DocumentNamespace: namespace,
		CreationInfo: SPDXCreation{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: mono-image-build"},
			Comment:  bi.GoVersion + " " + strings.Join(settings, " "),
		},
	}
	mainVer := bi.Main.Version
	if mainVer == "(devel)" {
		mainVer = "" // a build from a work tree has no module version
	}
	doc.Packages = append(doc.Packages, SPDXPackage{
		Name: bi.Main.Path, SPDXID: "SPDXRef-Package-main", VersionInfo: mainVer, DownloadLocation: "NOASSERTION",
		Comment:      "main package " + bi.Path,
		ExternalRefs: []SPDXRef{purl(bi.Main.Path, mainVer)},
	})
	doc.Relationships = append(doc.Relationships, SPDXRelationship{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: "SPDXRef-Package-main"})
	for i, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		id := fmt.Sprintf("SPDXRef-Package-%d", i+1)
		p := SPDXPackage{Name: m.Path, SPDXID: id, VersionInfo: m.Version, DownloadLocation: "https://proxy.golang.org/" + m.Path + "/@v/" + m.Version + ".zip", ExternalRefs: []SPDXRef{purl(m.Path, m.Version)}}
		if m.Sum != "" {
			p.Comment = "go.sum " + m.Sum
		}
		if d.Replace != nil {
			p.Comment = strings.TrimSpace(p.Comment + " replaces " + d.Path + "@" + d.Version)
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, SPDXRelationship{Element: "SPDXRef-Package-main", Type: "DEPENDS_ON", Related: id})
	}
	return json.MarshalIndent(doc, "", "  ")
}

func purl(path, version string) SPDXRef {
	loc := "pkg:golang/" + path
	if version != "" {
		loc += "@" + version
	}
	return SPDXRef{Category: "PACKAGE-MANAGER", Type: "purl", Locator: loc}
}
