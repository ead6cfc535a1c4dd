package imagebuild

import (
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"slices"
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

// SBOM reads the Go build information of the binaries of one image
// (module path, version and go.sum hash of every module linked in, the Go
// version, the build settings) and returns it as one SPDX 2.3 document:
// the main module and the union of the dependencies. created is the
// commit time, so the document is the same for the same commit.
func SBOM(binaries []string, name, namespace string, created time.Time) ([]byte, error) {
	var infos []*debug.BuildInfo
	for _, b := range binaries {
		bi, err := buildinfo.ReadFile(b)
		if err != nil {
			return nil, fmt.Errorf("read the build information of %s: %w", filepath.Base(b), err)
		}
		infos = append(infos, bi)
	}
	return SBOMOf(infos, name, namespace, created)
}

// SBOMOf is SBOM over build information already read (at least one).
func SBOMOf(infos []*debug.BuildInfo, name, namespace string, created time.Time) ([]byte, error) {
	if len(infos) == 0 {
		return nil, errors.New("an SBOM needs at least one binary")
	}
	bi := infos[0]
	var settings []string
	for _, s := range bi.Settings {
		if s.Key == "GOARCH" || s.Key == "GOAMD64" || s.Key == "GOARM64" {
			continue // the same document for every platform
		}
		settings = append(settings, s.Key+"="+s.Value)
	}
	mainVer := bi.Main.Version
	if mainVer == "(devel)" {
		mainVer = "" // a build from a work tree has no module version
	}
	var mains []string
	deps := map[string]*debug.Module{}
	for _, info := range infos {
		mains = append(mains, info.Path)
		for _, d := range info.Deps {
			deps[d.Path+"@"+d.Version] = d
		}
	}
	keys := make([]string, 0, len(deps))
	for k := range deps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	main := SPDXPackage{
		Name: bi.Main.Path, VersionInfo: mainVer, DownloadLocation: "NOASSERTION",
		Comment:      "main packages " + strings.Join(mains, " "),
		ExternalRefs: []SPDXRef{purl(bi.Main.Path, mainVer)},
	}
	var pkgs []SPDXPackage
	for _, k := range keys {
		d := deps[k]
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		p := SPDXPackage{Name: m.Path, VersionInfo: m.Version, DownloadLocation: "https://proxy.golang.org/" + m.Path + "/@v/" + m.Version + ".zip", ExternalRefs: []SPDXRef{purl(m.Path, m.Version)}}
		if m.Sum != "" {
			p.Comment = "go.sum " + m.Sum
		}
		if d.Replace != nil {
			p.Comment = strings.TrimSpace(p.Comment + " replaces " + d.Path + "@" + d.Version)
		}
		pkgs = append(pkgs, p)
	}
	return spdxDocument(name, namespace, created, bi.GoVersion+" "+strings.Join(settings, " "), main, pkgs)
}

// spdxDocument is the SPDX 2.3 document describing main, which depends on
// deps (in that order); it numbers the packages.
func spdxDocument(name, namespace string, created time.Time, comment string, main SPDXPackage, deps []SPDXPackage) ([]byte, error) {
	doc := SPDX{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", Name: name,
		DocumentNamespace: namespace,
		CreationInfo: SPDXCreation{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: mono-image-build"},
			Comment:  comment,
		},
	}
	main.SPDXID = "SPDXRef-Package-main"
	doc.Packages = append(doc.Packages, main)
	doc.Relationships = append(doc.Relationships, SPDXRelationship{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: main.SPDXID})
	for i, p := range deps {
		p.SPDXID = fmt.Sprintf("SPDXRef-Package-%d", i+1)
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, SPDXRelationship{Element: main.SPDXID, Type: "DEPENDS_ON", Related: p.SPDXID})
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
