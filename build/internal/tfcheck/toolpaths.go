package tfcheck

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/acme/platform/libs/testenv/pyenv"
)

//go:embed requirements-checkov.txt
var checkovRequirements []byte

// MissingToolError says which tool is missing and how to install it.
type MissingToolError struct {
	Tool    string
	Install string
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("%s not found: %s", e.Tool, e.Install)
}

// ToolsBin is where hack/tools.sh installs the Go-built tools.
const ToolsBin = ".mono/tools/bin"

// Installs says how to get each external tool the checks use.
func Installs() map[string]string {
	return map[string]string{
		"terraform":      "install Terraform 1.11 or newer (HashiCorp's apt repository or release zip) and put it on PATH",
		"tflint":         "run hack/tools.sh (make tools), which builds it from the Go module proxy into " + ToolsBin,
		"terraform-docs": "run hack/tools.sh (make tools), which builds it from the Go module proxy into " + ToolsBin,
		"checkov":        "needs Python 3.11+ with venv (apt-get install python3-venv); mono creates the venv under .mono/venvs",
	}
}

// LookTool finds a program in <root>/.mono/tools/bin, then in the folders
// of pathList (a PATH value).
func LookTool(root, name, pathList string) (string, error) {
	dirs := append([]string{filepath.Join(root, ToolsBin)}, filepath.SplitList(pathList)...)
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &MissingToolError{Tool: name, Install: Installs()[name]}
}

// EnsureCheckov returns the checkov program of the pinned venv under
// <root>/.mono/venvs, creating the venv on first use.
func EnsureCheckov(ctx context.Context, root string, log func(string)) (string, error) {
	env, err := pyenv.Ensure(ctx, root, "checkov", checkovRequirements, log)
	if errors.Is(err, pyenv.ErrNoPython) {
		return "", &MissingToolError{Tool: "checkov", Install: Installs()["checkov"] + ": " + err.Error()}
	}
	if err != nil {
		return "", fmt.Errorf("checkov venv: %w", err)
	}
	return env.Bin("checkov"), nil
}

// Tools are the external programs of a full check.
type Tools struct {
	Terraform     string
	TFLint        string
	TerraformDocs string
	Checkov       string
}

// Full runs every check: the static ones, then terraform fmt, tflint,
// terraform-docs and checkov. progress, if not nil, hears the name of each
// step as it starts.
func (t *Tree) Full(ctx context.Context, tools Tools, progress func(string)) ([]Finding, error) {
	if progress == nil {
		progress = func(string) {}
	}
	progress("static checks (module interfaces, tags, discovery names, environments)")
	out, err := t.Static()
	if err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		run  func() ([]Finding, error)
	}{
		{"terraform fmt -check -recursive", func() ([]Finding, error) { return t.Fmt(ctx, tools.Terraform) }},
		{"tflint (terraform recommended ruleset)", func() ([]Finding, error) { return t.TFLint(ctx, tools.TFLint) }},
		{"terraform-docs (README inputs/outputs in sync)", func() ([]Finding, error) { return t.Docs(ctx, tools.TerraformDocs) }},
		{"checkov", func() ([]Finding, error) { return t.Checkov(ctx, tools.Checkov) }},
	}
	for _, s := range steps {
		progress(s.name)
		fs, err := s.run()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Fields(s.name)[0], err)
		}
		out = append(out, fs...)
	}
	Sort(out)
	return out, nil
}
