// Package cli holds what every mono command shares: injected IO streams and
// environment, workspace and configuration loading, exit codes and output
// helpers.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
)

// Exit codes of mono, documented in `mono --help`.
const (
	ExitOK      = 0 // success
	ExitFailed  = 1 // a task, check or test failed
	ExitUsage   = 2 // bad command line: unknown flag, component, target or environment
	ExitConfig  = 3 // a manifest, mono.yaml or configuration file does not read
	ExitGit     = 4 // git is missing, the folder is no repository or a ref is bad
	ExitMissing = 5 // a required tool is not installed (see mono doctor)
)

// ExitHelp is the exit code table printed by `mono --help`.
const ExitHelp = `Exit codes:
  0  success
  1  a task, check or test failed; a configuration value breaks a rule or a
     reference does not resolve
  2  bad command line: unknown flag, command, component, target or environment
  3  invalid manifest, mono.yaml or configuration file: malformed, unknown key,
     wrong type (file:line is printed)
  4  git problem: not a repository, bad ref
  5  a required tool is missing (run mono doctor)`

// ExitError carries an exit code with the error to print.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Exit wraps err with an exit code; a nil err stays nil.
func Exit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// Usagef returns a usage error (exit code 2).
func Usagef(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// CodeOf maps an error to mono's exit code; it is the one mapping of every
// command (docs/mono.md). For errors of the environment configuration
// (libs/config): an unknown environment is bad command line (2); a broken
// file, malformed, with an unknown key or a wrong type, is an invalid
// configuration file (3); a value that breaks a rule or a reference that
// does not resolve (not found, refused, provider unavailable) fails the
// check like a failed task (1).
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var se *strictyaml.Error
	var ses strictyaml.Errors
	var ce *graph.CycleError
	switch {
	case errors.As(err, &se), errors.As(err, &ses), errors.As(err, &ce), config.IsFileError(err):
		return ExitConfig
	case errors.Is(err, graph.ErrUnknown), errors.Is(err, config.ErrUnknownEnv):
		return ExitUsage
	}
	return ExitFailed
}

// IOStreams are the streams a command reads and writes; tests inject buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Deps is what every command is constructed with.
type Deps struct {
	IO IOStreams
	// Dir is the folder mono was started in; the workspace root is found above it.
	Dir string
	// Environ is the process environment as KEY=VALUE (os.Environ() in the
	// real process, read once by System): what Getenv reads, the variable
	// layer of the configuration and what the processes mono starts get.
	// Commands never read the real environment themselves.
	Environ []string
	// Terminal reports whether a stream is a terminal: IsTerminal in the
	// real process, nil (never) unless a test forces it. See Colour.
	Terminal func(io.Writer) bool
	// Flags are the global flags, bound by the root command (nil: defaults).
	Flags *Flags
}

// System returns Deps for the real process.
func System() Deps {
	dir, _ := os.Getwd()
	return Deps{IO: IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, Dir: dir, Environ: os.Environ(),
		Terminal: func(w io.Writer) bool { return IsTerminal(w) }, Flags: &Flags{}}
}

// Getenv returns the value of key in Environ ("" when unset; the last
// one wins, as in a process).
func (d Deps) Getenv(key string) string {
	for i := len(d.Environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(d.Environ[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// Vars turns variables into an Environ, sorted by name.
func Vars(vars map[string]string) []string {
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// WithEnviron returns d with environ as the environment (what mono dev and
// mono dags test hand to the programs they run).
func (d Deps) WithEnviron(environ []string) Deps {
	d.Environ = environ
	return d
}

// Env resolves the environment a command works on: flag, else $ENV, else
// local. An unknown one wraps config.ErrUnknownEnv (exit code 2).
func (d Deps) Env(ws *workspace.Workspace, flag string) (string, error) {
	if flag == "" {
		flag = d.Getenv("ENV")
	}
	return config.ResolveEnv(flag, ws.Settings.Environments)
}

// ConfigTimeout bounds each provider call (Secrets Manager, SSM) of a
// command's configuration.
const ConfigTimeout = 10 * time.Second

// Config loads the configuration of env (a flag value: "" means $ENV, then
// local) from the workspace's configuration folder, with Environ as the
// variable layer: the one loader of every command. log receives the
// provider calls (nil: none). Errors wrap the sentinels of libs/config,
// which CodeOf maps; decode sections from the Set with Decode.
func (d Deps) Config(ws *workspace.Workspace, env string, log *slog.Logger) (*config.Set, error) {
	env, err := d.Env(ws, env)
	if err != nil {
		return nil, err
	}
	set, err := config.Load(config.Options{
		FS:           os.DirFS(ws.Path(ws.Settings.ConfigDir)),
		Dir:          ws.Settings.ConfigDir,
		Env:          env,
		Environments: ws.Settings.Environments,
		Environ:      d.Environ,
		Sections:     components.Names(),
		Timeout:      ConfigTimeout,
		Logger:       log,
	})
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", env, err)
	}
	return set, nil
}

// Shared loads env's configuration (see Config) and decodes its shared
// section: what mono needs to reach the environment's database and stores.
func (d Deps) Shared(ctx context.Context, ws *workspace.Workspace, env string) (components.Shared, error) {
	shared := components.DefaultShared()
	set, err := d.Config(ws, env, nil)
	if err != nil {
		return shared, err
	}
	if _, err := set.Decode(ctx, components.SharedName, &shared); err != nil {
		return shared, fmt.Errorf("load config %s: %w", set.Env(), err)
	}
	return shared, nil
}

// Workspace finds and loads the workspace above Dir.
func (d Deps) Workspace() (*workspace.Workspace, error) {
	ws, err := workspace.Open(d.Dir)
	if errors.Is(err, workspace.ErrNoRoot) {
		return nil, Exit(ExitUsage, err)
	}
	return ws, err
}

// Graph loads the workspace and discovers its component graph.
func (d Deps) Graph() (*workspace.Workspace, *graph.Graph, error) {
	ws, err := d.Workspace()
	if err != nil {
		return nil, nil, err
	}
	g, err := discover.Discover(ws)
	if err != nil {
		return nil, nil, err
	}
	return ws, g, nil
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
