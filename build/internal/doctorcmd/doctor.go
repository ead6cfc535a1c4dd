// Package doctorcmd implements `mono doctor`: checks that the tools the
// repository needs are installed, and says how to install what is missing.
package doctorcmd

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
)

// Check is one tool to look for.
type Check struct {
	Name string
	// Command and args that print the version.
	Command []string
	// Min is the lowest accepted version as [major, minor], or nil.
	Min []int
	// Install says how to get it on Debian/Ubuntu.
	Install string
	// Optional tools only warn.
	Optional bool
	// Why the repository needs it.
	Why string
}

// Checks are the tools the repository uses.
func Checks() []Check {
	return []Check{
		{Name: "go", Command: []string{"go", "version"}, Min: []int{1, 26}, Install: "https://go.dev/doc/install (Go 1.26+)", Why: "mono, services, jobs"},
		{Name: "git", Command: []string{"git", "--version"}, Min: []int{2, 30}, Install: "apt-get install git", Why: "affected, cache keys"},
		{Name: "python3", Command: []string{"python3", "--version"}, Min: []int{3, 11}, Install: "apt-get install python3 python3-venv (3.11+)", Why: "Airflow DAGs, Dash, moto, checkov"},
		{Name: "node", Command: []string{"node", "--version"}, Min: []int{18, 0}, Install: "apt-get install nodejs npm (18+), or NodeSource", Why: "web console"},
		{Name: "npm", Command: []string{"npm", "--version"}, Min: []int{9, 0}, Install: "apt-get install npm", Why: "web console"},
		{Name: "kubectl", Command: []string{"kubectl", "version", "--client"}, Min: []int{1, 28}, Install: "apt-get install kubectl (Kubernetes apt repo)", Why: "deploy", Optional: true},
		{Name: "terraform", Command: []string{"terraform", "version"}, Min: []int{1, 10}, Install: "apt-get install terraform (HashiCorp apt repo)", Why: "infrastructure"},
		{Name: "postgres", Command: []string{"/usr/lib/postgresql/15/bin/postgres", "--version"}, Min: []int{15, 0}, Install: "apt-get install postgresql-15", Why: "database tests"},
		{Name: "chromium", Command: []string{"chromium", "--version"}, Install: "apt-get install chromium", Why: "browser tests, graph screenshots"},
	}
}

// Result is the outcome of one check.
type Result struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Optional bool   `json:"optional,omitempty"`
	Version  string `json:"version,omitempty"`
	Problem  string `json:"problem,omitempty"`
	Install  string `json:"install,omitempty"`
	Why      string `json:"why"`
}

// Runner runs a version command; tests inject one.
type Runner func(ctx context.Context, name string, args ...string) (string, error)

// ExecRunner runs the real program.
func ExecRunner(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := exec.LookPath(name); err != nil {
		return "", fmt.Errorf("not found on PATH")
	}
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// NewCommand returns the doctor command.
func NewCommand(deps cli.Deps) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the tools this repository needs are installed",
		Long: `Check Go, git, Python, Node, kubectl, terraform, the PostgreSQL binaries and
Chromium: each must be present at a minimum version. Prints how to install
what is missing. Exit code 5 when a required tool is missing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			results := Run(cmd.Context(), Checks(), ExecRunner)
			return Print(deps.IO.Out, results, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for machines")
	return cmd
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// Run performs the checks.
func Run(ctx context.Context, checks []Check, run Runner) []Result {
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		r := Result{Name: c.Name, Optional: c.Optional, Why: c.Why}
		text, err := run(ctx, c.Command[0], c.Command[1:]...)
		m := versionRE.FindStringSubmatch(text)
		switch {
		case err != nil && m == nil:
			r.Problem = strings.TrimSpace(firstLine(err.Error()))
		case m == nil:
			r.Problem = "cannot read its version from: " + firstLine(text)
		default:
			r.Version = m[0]
			major, _ := strconv.Atoi(m[1])
			minor, _ := strconv.Atoi(m[2])
			if c.Min != nil && (major < c.Min[0] || major == c.Min[0] && minor < c.Min[1]) {
				r.Problem = fmt.Sprintf("version %s is older than %d.%d", m[0], c.Min[0], c.Min[1])
			}
		}
		r.OK = r.Problem == ""
		if !r.OK {
			r.Install = c.Install
		}
		out = append(out, r)
	}
	return out
}

// Print writes the results and returns an exit error when a required tool
// is missing.
func Print(w io.Writer, results []Result, asJSON bool) error {
	missing := 0
	for _, r := range results {
		if !r.OK && !r.Optional {
			missing++
		}
	}
	if asJSON {
		if err := cli.WriteJSON(w, results); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range results {
			status := "ok"
			detail := r.Version
			switch {
			case !r.OK && r.Optional:
				status, detail = "warn", r.Problem+"; install: "+r.Install
			case !r.OK:
				status, detail = "MISSING", r.Problem+"; install: "+r.Install
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t(%s)\n", status, r.Name, detail, r.Why)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if missing > 0 {
		return cli.Exit(cli.ExitMissing, fmt.Errorf("%d required tool(s) missing or too old; see the install hints above", missing))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
