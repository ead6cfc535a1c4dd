package tfcheck

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// skipComment matches an inline checkov skip and captures the check ID and
// the reason.
var skipComment = regexp.MustCompile(`checkov:skip=([A-Za-z0-9_]*)(?::(.*))?`)

// checkIDFormat is the form of a checkov check ID (CKV_AWS_18, CKV2_AWS_5).
var checkIDFormat = regexp.MustCompile(`^CKV2?_[A-Z0-9]+_[0-9]+$`)

// checkSkips verifies that every inline checkov skip names a check ID and
// gives a reason of at least a few words.
func (t *Tree) checkSkips(mods map[string]*module) []Finding {
	var out []Finding
	for _, rel := range sortedKeys(mods) {
		for _, f := range mods[rel].files {
			for i, line := range bytes.Split(f.src, []byte("\n")) {
				m := skipComment.FindSubmatch(line)
				if m == nil {
					continue
				}
				id, reason := string(m[1]), strings.TrimSpace(string(m[2]))
				switch {
				case !checkIDFormat.MatchString(id):
					out = append(out, Finding{File: t.rel(f.path), Line: i + 1, Check: "skips", Message: fmt.Sprintf("checkov skip %q: name the check ID, e.g. checkov:skip=CKV_AWS_18: <reason>", id)})
				case len(strings.Fields(reason)) < 3:
					out = append(out, Finding{File: t.rel(f.path), Line: i + 1, Check: "skips", Message: fmt.Sprintf("checkov skip %s: give a one-line reason after the ID (checkov:skip=%s: <why this is safe>)", id, id)})
				}
			}
		}
	}
	return out
}

// Markers around the generated inputs/outputs section of a module README.
const (
	DocsBegin = "<!-- BEGIN_TF_DOCS -->"
	DocsEnd   = "<!-- END_TF_DOCS -->"
)

// checkLayout verifies the terraform-aws-modules layout of every module:
// main.tf, variables.tf, outputs.tf, versions.tf, a README with a Usage
// section and the generated inputs/outputs block, and at least one example;
// and that every root module declares its versions in versions.tf.
func (t *Tree) checkLayout(mods map[string]*module) []Finding {
	var out []Finding
	for _, rel := range sortedKeys(mods) {
		m := mods[rel]
		dir := "infrastructure/" + rel
		switch m.kind {
		case KindModule:
			for _, name := range []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf"} {
				if _, err := os.Stat(t.abs(rel + "/" + name)); err != nil {
					out = append(out, Finding{File: dir, Check: "layout", Message: "module has no " + name})
				}
			}
			readme, err := os.ReadFile(t.abs(rel + "/README.md"))
			switch {
			case err != nil:
				out = append(out, Finding{File: dir, Check: "layout", Message: "module has no README.md"})
			default:
				if !regexp.MustCompile(`(?m)^## Usage\s*$`).Match(readme) {
					out = append(out, Finding{File: dir + "/README.md", Check: "layout", Message: "README has no \"## Usage\" section"})
				}
				if !bytes.Contains(readme, []byte(DocsBegin)) || !bytes.Contains(readme, []byte(DocsEnd)) {
					out = append(out, Finding{File: dir + "/README.md", Check: "layout", Message: "README has no generated inputs/outputs block (" + DocsBegin + " ... " + DocsEnd + "); run mono infra docs"})
				}
			}
			hasExample := false
			for other := range mods {
				if strings.HasPrefix(other, rel+"/examples/") {
					hasExample = true
				}
			}
			if !hasExample {
				out = append(out, Finding{File: dir, Check: "layout", Message: "module has no example under examples/"})
			}
		case KindStack, KindExample:
			if _, err := os.Stat(t.abs(rel + "/versions.tf")); err != nil {
				out = append(out, Finding{File: dir, Check: "layout", Message: "root module has no versions.tf (required_version and required_providers)"})
			}
		}
	}
	return out
}
