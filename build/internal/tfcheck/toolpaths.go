package tfcheck

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

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

// ToolsList is the folder of the pins of the Go-built tools: files of
// "name module/cmd@version" (or "name ./folder") lines that hack/tools.sh
// installs into ToolsBin.
const ToolsList = "hack/tools.d"

// BuildEstimate is roughly how long building one pinned tool takes on a
// cold Go module cache (download and compile; tflint is the slowest).
const BuildEstimate = time.Minute

// BuildFunc builds the pinned tool name into <root>/ToolsBin.
type BuildFunc func(ctx context.Context, root, name string) error

// EnsureTools returns the path of each named tool (found as LookTool finds
// it), building the missing ones that ToolsList pins with build first.
// Before building, it says on log which tools it builds, from what, where
// and roughly how long that takes, then one line per tool as it is done. A
// tool that is already there is not built and nothing is said; a missing
// one that nothing pins is a *MissingToolError.
func EnsureTools(ctx context.Context, root, pathList string, names []string, build BuildFunc, log func(string)) (map[string]string, error) {
	found := map[string]string{}
	var missing []string
	for _, name := range names {
		p, err := LookTool(root, name, pathList)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		found[name] = p
	}
	if len(missing) == 0 {
		return found, nil
	}
	pins, err := readPins(filepath.Join(root, ToolsList))
	if err != nil {
		return nil, err
	}
	what := make([]string, len(missing))
	for i, name := range missing {
		if pins[name] == "" {
			return nil, &MissingToolError{Tool: name, Install: Installs()[name]}
		}
		what[i] = fmt.Sprintf("%s (%s)", name, pins[name])
	}
	log(fmt.Sprintf("mono: building %s into %s with go install (first run only, about %s)...",
		strings.Join(what, " and "), ToolsBin, roughly(time.Duration(len(missing))*BuildEstimate)))
	for i, name := range missing {
		start := time.Now()
		if err := build(ctx, root, name); err != nil {
			return nil, &MissingToolError{Tool: name, Install: fmt.Sprintf("%s (building it failed: %v)", Installs()[name], err)}
		}
		p, err := LookTool(root, name, pathList)
		if err != nil {
			return nil, err
		}
		found[name] = p
		log(fmt.Sprintf("mono: built %s in %s (%d/%d)", name, time.Since(start).Round(time.Second), i+1, len(missing)))
	}
	return found, nil
}

// roughly says a duration for people: "1 minute", "3 minutes".
func roughly(d time.Duration) string {
	if m := int(d.Round(time.Minute) / time.Minute); m > 1 {
		return fmt.Sprintf("%d minutes", m)
	}
	return "1 minute"
}

// readPins reads the tool pins of dir: name -> module@version or ./folder.
func readPins(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	pins := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read tool pins: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) >= 2 && !strings.HasPrefix(fields[0], "#") {
				pins[fields[0]] = fields[1]
			}
		}
	}
	return pins, nil
}

// BuildWithScript builds one pinned tool with `hack/tools.sh NAME` (go
// install from the module proxy); its output is shown only when it fails.
func BuildWithScript(ctx context.Context, root, name string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "tools.sh"), name)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		if len(out) > 4000 {
			out = out[len(out)-4000:]
		}
		return fmt.Errorf("hack/tools.sh %s: %w\n%s", name, err, bytes.TrimSpace(out))
	}
	return nil
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
