// Package doctorcmd implements `mono doctor`: checks that the tools mono's
// commands and the repository's tests need are installed, says which
// command needs each one, and how to install what is missing.
package doctorcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/workspace"
)

// Check is one tool to look for.
type Check struct {
	// Name is what doctor prints; the program is Bin, else Name.
	Name string
	Bin  string
	// Args make the program print its version.
	Args []string
	// Dirs are folders searched before PATH; a relative one is under the
	// workspace root (skipped outside a workspace).
	Dirs []string
	// Min is the lowest accepted version as [major, minor], or nil (then a
	// program that prints no version is fine as long as it runs).
	Min []int
	// Install is the one command (or step) that installs it.
	Install string
	// Required tools are needed by the core commands; a missing one fails
	// doctor. Every other tool is optional: one command area needs it.
	Required bool
	// For names the commands (or tests) that need it.
	For string
}

// The install steps shared by several tools.
const (
	installNode  = "curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install nodejs (20.19+; Debian's nodejs is too old for Vite 7)"
	installTools = "hack/tools.sh (make tools; mono infra check runs it itself)"
	toolsBin     = ".mono/tools/bin"
)

// Checks are the tools mono and the repository's tests run: go and git are
// required; the rest is needed by one command area each.
func Checks() []Check {
	return []Check{
		{Name: "go", Args: []string{"version"}, Min: []int{1, 26}, Required: true, Install: "download Go 1.26+ from https://go.dev/dl and put its bin folder on PATH", For: "every command: discovery, mono run (Go tasks), mono dev"},
		{Name: "git", Args: []string{"--version"}, Min: []int{2, 30}, Required: true, Install: "apt-get install git", For: "mono affected, mono run --affected, task hashes"},
		{Name: "python3", Args: []string{"--version"}, Min: []int{3, 11}, Install: "apt-get install python3 python3-venv", For: "mono dags, dash/sales and dags tasks, mono infra check (checkov)"},
		{Name: "python3-venv", Bin: "python3", Args: []string{"-c", "import ensurepip, venv"}, Install: "apt-get install python3-venv", For: "the venvs under .mono/venvs (Airflow, checkov, Dash, moto)"},
		{Name: "node", Args: []string{"--version"}, Min: []int{20, 19}, Install: installNode, For: "web/console tasks (mono run ... console), mono dev"},
		{Name: "npm", Args: []string{"--version"}, Min: []int{9, 0}, Install: installNode, For: "web/console tasks, npm ci of the workspace"},
		{Name: "terraform", Args: []string{"version"}, Min: []int{1, 11}, Install: "apt-get install terraform (HashiCorp's apt repository)", For: "mono infra, infra-* lint tasks"},
		{Name: "tflint", Args: []string{"--version"}, Dirs: []string{toolsBin}, Install: installTools, For: "mono infra check"},
		{Name: "terraform-docs", Args: []string{"--version"}, Dirs: []string{toolsBin}, Install: installTools, For: "mono infra check"},
		{Name: "checkov", Args: []string{"--version"}, Dirs: []string{".mono/venvs/checkov/bin"}, Install: "mono infra check (makes its venv under .mono/venvs; needs python3-venv)", For: "mono infra check"},
		{Name: "buf", Args: []string{"--version"}, Dirs: []string{toolsBin}, Install: "hack/tools.sh (make tools)", For: "services/pricing code generation and its buf test"},
		{Name: "staticcheck", Args: []string{"-version"}, Dirs: []string{toolsBin}, Install: "hack/tools.sh (make tools)", For: "make lint"},
		{Name: "kube-apiserver", Args: []string{"--version"}, Dirs: []string{toolsBin}, Install: "hack/tools.sh kube-apiserver kube-controller-manager kube-scheduler etcd kwok (make tools; the tests run it themselves: minutes on a cold cache)", For: "Kubernetes control-plane tests (libs/testenv/kube; built with etcd, kube-controller-manager, kube-scheduler and kwok)"},
		{Name: "postgres", Args: []string{"--version"}, Dirs: []string{"/usr/lib/postgresql/15/bin"}, Min: []int{15, 0}, Install: "apt-get install postgresql-15", For: "database tests (libs/db, services, jobs), make bench"},
		{Name: "chromium", Args: []string{"--version"}, Install: "apt-get install chromium", For: "browser tests (web/console/e2e, orders-api docs page), graph page test"},
		{Name: "ansible-playbook", Args: []string{"--version"}, Install: "apt-get install ansible", For: "dev server tests (infrastructure/devserver)"},
	}
}

// Result is the outcome of one check.
type Result struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Optional bool   `json:"optional,omitempty"`
	Path     string `json:"path,omitempty"`
	Version  string `json:"version,omitempty"`
	Problem  string `json:"problem,omitempty"`
	Install  string `json:"install,omitempty"`
	Why      string `json:"why"`
}

// Env is where the checks look: the workspace root ("" outside one) and
// the PATH value, both injected.
type Env struct {
	Root    string
	Path    string
	Environ []string
}

// NewCommand returns the doctor command.
func NewCommand(deps cli.Deps) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the tools mono and the tests need are installed",
		Long: `Check every program a mono command or a test runs, at its minimum version,
and print where it is found, which command needs it and the one command that
installs what is missing.

Required tools (go, git) are needed by the core commands: when one is
missing or too old, doctor exits with code 5. Every other tool is optional:
one command area needs it (mono infra check needs tflint, terraform-docs and
checkov; the web console needs node and npm; ...); a missing one is named
with its install command, and the exit code stays 0.

Tools built by hack/tools.sh are looked up in .mono/tools/bin first, then
on PATH.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := Env{Path: deps.Getenv("PATH"), Environ: deps.Environ}
			if root, err := workspace.FindRoot(deps.Dir); err == nil {
				env.Root = root
			}
			results := Run(cmd.Context(), Checks(), env)
			return Print(deps.IO.Out, deps.Style(deps.IO.Out), results, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for machines")
	return cmd
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// Run performs the checks, in parallel; results keep the order of checks.
func Run(ctx context.Context, checks []Check, env Env) []Result {
	out := make([]Result, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { out[i] = check(ctx, c, env) })
	}
	wg.Wait()
	return out
}

func check(ctx context.Context, c Check, env Env) Result {
	r := Result{Name: c.Name, Optional: !c.Required, Why: c.For}
	bin := c.Bin
	if bin == "" {
		bin = c.Name
	}
	r.Path = lookPath(bin, c.Dirs, env)
	if r.Path == "" {
		r.Problem = "not found"
		if len(c.Dirs) > 0 {
			r.Problem += " in " + strings.Join(c.Dirs, ", ") + " or"
		}
		r.Problem += " on PATH"
		r.Install = c.Install
		return r
	}
	text, err := version(ctx, r.Path, c.Args, env.Environ)
	m := versionRE.FindStringSubmatch(text)
	switch {
	case err != nil:
		r.Problem = "does not run (" + err.Error() + ")"
		if last := lastLine(text); last != "" {
			r.Problem += ": " + last // a traceback's last line says what is wrong
		}
	case m == nil && c.Min != nil:
		r.Problem = "cannot read its version from: " + firstLine(text)
	case m != nil:
		r.Version = m[0]
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if c.Min != nil && (major < c.Min[0] || major == c.Min[0] && minor < c.Min[1]) {
			r.Problem = fmt.Sprintf("version %s is older than %d.%d", m[0], c.Min[0], c.Min[1])
		}
	}
	if c.Min == nil && c.Bin != "" {
		r.Version = "" // a module of another program (python3 -c "import venv"): no version of its own
	}
	r.OK = r.Problem == ""
	if !r.OK {
		r.Install = c.Install
	}
	return r
}

// lookPath finds an executable named bin in dirs (relative ones under
// env.Root), then in env.Path.
func lookPath(bin string, dirs []string, env Env) string {
	var search []string
	for _, d := range dirs {
		switch {
		case filepath.IsAbs(d):
			search = append(search, d)
		case env.Root != "":
			search = append(search, filepath.Join(env.Root, d))
		}
	}
	for _, d := range append(search, filepath.SplitList(env.Path)...) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, bin)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// version runs the program with args and returns what it printed.
func version(ctx context.Context, bin string, args, environ []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = environ
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Print writes the results, required tools first, and returns an exit
// error (code 5) naming the install command of each missing required tool.
func Print(w io.Writer, st cli.Style, results []Result, asJSON bool) error {
	var missing []string
	for _, r := range results {
		if !r.OK && !r.Optional {
			missing = append(missing, fmt.Sprintf("%s (%s; install: %s)", r.Name, r.Problem, r.Install))
		}
	}
	if asJSON {
		if err := cli.WriteJSON(w, results); err != nil {
			return err
		}
	} else if err := printText(w, st, results); err != nil {
		return err
	}
	if len(missing) > 0 {
		return cli.Exit(cli.ExitMissing, errors.New("required tool missing: "+strings.Join(missing, "; ")))
	}
	return nil
}

func printText(w io.Writer, st cli.Style, results []Result) error {
	optMissing := 0
	for _, group := range []struct {
		title    string
		optional bool
	}{{"Required (core commands):", false}, {"Optional (one command area each):", true}} {
		fmt.Fprintln(w, st.Bold(group.title))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range results {
			if r.Optional != group.optional {
				continue
			}
			mark := st.OK("ok")
			switch {
			case !r.OK && r.Optional:
				optMissing++
				mark = st.Warn("missing")
			case !r.OK:
				mark = st.Fail("MISSING")
			}
			version := r.Version
			if version == "" {
				version = "-"
			}
			// Every mark's colour has escape sequences of the same length,
			// so tabwriter's columns still line up.
			fmt.Fprintf(tw, "  %s\t%s\t%s\tfor %s\n", mark, r.Name, version, r.Why)
			if !r.OK {
				// After the last tab: no column grows to fit it.
				fmt.Fprintf(tw, "  \t\t\t%s; install: %s\n", r.Problem, r.Install)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if optMissing > 0 {
		fmt.Fprintf(w, "%d optional tool(s) missing: only the commands named above need them.\n", optMissing)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:])
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
