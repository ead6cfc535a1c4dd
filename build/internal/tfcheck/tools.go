package tfcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// TFLintConfig and DocsConfig are the tool settings files in the
// infrastructure folder.
const (
	TFLintConfig = ".tflint.hcl"
	DocsConfig   = ".terraform-docs.yml"
)

// run runs a program and returns its stdout, stderr and exit code; err is
// set only when the program could not run at all.
func run(ctx context.Context, dir, bin string, args ...string) (stdout, stderr []byte, code int, err error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.Bytes(), e.Bytes(), ee.ExitCode(), nil
	}
	if err != nil {
		return nil, nil, -1, fmt.Errorf("run %s: %w", filepath.Base(bin), err)
	}
	return o.Bytes(), e.Bytes(), 0, nil
}

// Fmt runs `terraform fmt -check -recursive` over the infrastructure folder.
func (t *Tree) Fmt(ctx context.Context, terraform string) ([]Finding, error) {
	out, stderr, code, err := run(ctx, t.abs(""), terraform, "fmt", "-check", "-recursive", "-list=true", "-no-color", ".")
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fs = append(fs, Finding{File: t.rel(t.abs(line)), Check: "fmt", Message: "not in canonical format (run terraform fmt -recursive " + t.Dir + ")"})
		}
	}
	if code != 0 && len(fs) == 0 {
		return nil, fmt.Errorf("terraform fmt exited %d: %s", code, strings.TrimSpace(string(stderr)))
	}
	return fs, nil
}

// TFLint runs tflint over every folder with the repository's settings
// (recommended terraform ruleset plus documented/typed/naming rules).
func (t *Tree) TFLint(ctx context.Context, tflint string) ([]Finding, error) {
	out, stderr, code, err := run(ctx, t.abs(""), tflint, "--recursive", "--config="+t.abs(TFLintConfig), "--minimum-failure-severity=notice", "--format=json", "--no-color")
	if err != nil {
		return nil, err
	}
	var report struct {
		Issues []struct {
			Rule struct {
				Name     string `json:"name"`
				Severity string `json:"severity"`
			} `json:"rule"`
			Message string `json:"message"`
			Range   struct {
				Filename string `json:"filename"`
				Start    struct {
					Line int `json:"line"`
				} `json:"start"`
			} `json:"range"`
		} `json:"issues"`
		Errors []struct {
			Message string `json:"message"`
			Range   *struct {
				Filename string `json:"filename"`
				Start    struct {
					Line int `json:"line"`
				} `json:"start"`
			} `json:"range"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		return nil, fmt.Errorf("tflint exited %d without a report: %s", code, strings.TrimSpace(string(stderr)+string(out)))
	}
	var fs []Finding
	for _, i := range report.Issues {
		fs = append(fs, Finding{File: t.rel(t.abs(i.Range.Filename)), Line: i.Range.Start.Line, Check: "tflint", Message: fmt.Sprintf("%s (%s, %s)", i.Message, i.Rule.Name, i.Rule.Severity)})
	}
	for _, e := range report.Errors {
		f := Finding{File: t.Dir, Check: "tflint", Message: e.Message}
		if e.Range != nil && e.Range.Filename != "" {
			f.File, f.Line = t.rel(t.abs(e.Range.Filename)), e.Range.Start.Line
		}
		fs = append(fs, f)
	}
	if code != 0 && len(fs) == 0 {
		return nil, fmt.Errorf("tflint exited %d: %s", code, strings.TrimSpace(string(stderr)))
	}
	return fs, nil
}

// Checkov runs checkov over the whole infrastructure folder (modules,
// examples and bootstrap with their defaults), then over the environment
// root once per environment with that environment's variable file: checkov
// merges every --var-file of a run into one set of values, so one run per
// environment keeps dev's values from being masked by prod's. A failed check reported for several module
// instances or runs is one finding.
func (t *Tree) Checkov(ctx context.Context, checkov string) ([]Finding, error) {
	runs := [][]string{{"-d", "."}}
	for _, env := range t.Envs {
		runs = append(runs, []string{"-d", LiveDir, "--var-file", filepath.Join(LiveDir, VarFile(env))})
	}
	type key struct {
		file string
		line int
		id   string
	}
	byKey := map[key]*Finding{}
	instances := map[key][]string{}
	for _, run := range runs {
		failed, err := t.checkovRun(ctx, checkov, run)
		if err != nil {
			return nil, err
		}
		for _, f := range failed {
			k := key{f.File, f.Line, f.Check}
			if byKey[k] == nil {
				byKey[k] = &Finding{File: f.File, Line: f.Line, Check: "checkov", Message: f.Message}
			}
			instances[k] = append(instances[k], f.resource)
		}
	}
	var fs []Finding
	for k, f := range byKey {
		f.Message += " (" + strings.Join(dedupe(instances[k]), ", ") + ")"
		fs = append(fs, *f)
	}
	Sort(fs)
	return fs, nil
}

// checkovFailure is one failed check of one resource; Check holds the ID.
type checkovFailure struct {
	Finding
	resource string
}

func (t *Tree) checkovRun(ctx context.Context, checkov string, target []string) ([]checkovFailure, error) {
	args := append([]string{"--framework", "terraform", "--quiet", "--compact", "--skip-download", "-o", "json"}, target...)
	stdout, stderr, code, err := run(ctx, t.abs(""), checkov, args...)
	if err != nil {
		return nil, err
	}
	type failed struct {
		CheckID   string `json:"check_id"`
		CheckName string `json:"check_name"`
		FilePath  string `json:"file_path"`
		AbsPath   string `json:"file_abs_path"`
		Lines     []int  `json:"file_line_range"`
		Resource  string `json:"resource"`
	}
	type report struct {
		Results struct {
			Failed []failed `json:"failed_checks"`
		} `json:"results"`
		Summary struct {
			ParsingErrors int `json:"parsing_errors"`
		} `json:"summary"`
	}
	var reports []report
	if one := (report{}); json.Unmarshal(stdout, &one) == nil {
		reports = []report{one}
	} else if err := json.Unmarshal(stdout, &reports); err != nil {
		return nil, fmt.Errorf("checkov exited %d without a JSON report: %s", code, strings.TrimSpace(string(stderr)))
	}
	var out []checkovFailure
	for _, r := range reports {
		if r.Summary.ParsingErrors > 0 {
			return nil, fmt.Errorf("checkov %s could not parse %d files: %s", strings.Join(target, " "), r.Summary.ParsingErrors, strings.TrimSpace(string(stderr)))
		}
		for _, f := range r.Results.Failed {
			p := f.AbsPath
			if p == "" {
				p = t.abs(strings.TrimPrefix(f.FilePath, "/"))
			}
			line := 0
			if len(f.Lines) > 0 {
				line = f.Lines[0]
			}
			out = append(out, checkovFailure{
				Finding:  Finding{File: t.rel(filepath.Clean(p)), Line: line, Check: f.CheckID, Message: fmt.Sprintf("%s %s", f.CheckID, f.CheckName)},
				resource: f.Resource,
			})
		}
	}
	if code != 0 && len(out) == 0 {
		return nil, fmt.Errorf("checkov %s exited %d: %s", strings.Join(target, " "), code, strings.TrimSpace(string(stderr)))
	}
	return out, nil
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	if len(out) > 3 {
		return append(out[:3:3], fmt.Sprintf("and %d more", len(out)-3))
	}
	return out
}

// DocsFolders returns the folders whose README carries a generated
// inputs/outputs block: every module, and root modules whose README has the
// markers.
func (t *Tree) DocsFolders() ([]string, error) {
	dirs, err := t.Folders()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dirs {
		switch KindOf(d) {
		case KindModule:
			out = append(out, d)
		case KindStack:
			if b, err := os.ReadFile(t.abs(d + "/README.md")); err == nil && bytes.Contains(b, []byte(DocsBegin)) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// generateDocs returns terraform-docs' inputs/outputs block for a folder.
func (t *Tree) generateDocs(ctx context.Context, tfdocs, rel string) (string, error) {
	out, stderr, code, err := run(ctx, t.abs(""), tfdocs, "-c", t.abs(DocsConfig), t.abs(rel))
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("terraform-docs %s exited %d: %s", rel, code, strings.TrimSpace(string(stderr)))
	}
	return strings.TrimSpace(string(out)), nil
}

// splitReadme returns the README around its generated block.
func splitReadme(readme string) (before, block, after string, ok bool) {
	i := strings.Index(readme, DocsBegin)
	j := strings.Index(readme, DocsEnd)
	if i < 0 || j < i {
		return "", "", "", false
	}
	return readme[:i+len(DocsBegin)], strings.TrimSpace(readme[i+len(DocsBegin) : j]), readme[j:], true
}

// Docs reports README files whose generated block differs from what
// terraform-docs generates now.
func (t *Tree) Docs(ctx context.Context, tfdocs string) ([]Finding, error) {
	dirs, err := t.DocsFolders()
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, d := range dirs {
		path := t.abs(d + "/README.md")
		readme, err := os.ReadFile(path)
		if err != nil {
			continue // reported by the layout check
		}
		_, block, _, ok := splitReadme(string(readme))
		if !ok {
			continue // reported by the layout check
		}
		want, err := t.generateDocs(ctx, tfdocs, d)
		if err != nil {
			return nil, err
		}
		if block != want {
			fs = append(fs, Finding{File: t.rel(path), Check: "docs", Message: "generated inputs/outputs are out of date (run mono infra docs)"})
		}
	}
	return fs, nil
}

// WriteDocs regenerates the block of every README and returns the files it
// changed, relative to the repository root.
func (t *Tree) WriteDocs(ctx context.Context, tfdocs string) ([]string, error) {
	dirs, err := t.DocsFolders()
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, d := range dirs {
		path := t.abs(d + "/README.md")
		readme, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: no README.md to write the inputs/outputs into", t.rel(t.abs(d)))
		}
		before, block, after, ok := splitReadme(string(readme))
		if !ok {
			return nil, fmt.Errorf("%s: add the lines %s and %s where the inputs/outputs go", t.rel(path), DocsBegin, DocsEnd)
		}
		want, err := t.generateDocs(ctx, tfdocs, d)
		if err != nil {
			return nil, err
		}
		if block == want {
			continue
		}
		if err := os.WriteFile(path, []byte(before+"\n"+want+"\n"+after), 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, t.rel(path))
	}
	return changed, nil
}
