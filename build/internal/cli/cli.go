// Package cli holds what every mono command shares: injected IO streams and
// environment, workspace loading, exit codes and output helpers.
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
	"github.com/acme/platform/build/internal/workspace"
)

// Exit codes of mono, documented in `mono --help`.
const (
	ExitOK      = 0 // success
	ExitFailed  = 1 // a task, check or test failed
	ExitUsage   = 2 // bad command line: unknown flag, component, target or environment
	ExitConfig  = 3 // a manifest, mono.yaml or configuration file is invalid
	ExitGit     = 4 // git is missing, the folder is no repository or a ref is bad
	ExitMissing = 5 // a required tool is not installed (see mono doctor)
)

// ExitHelp is the exit code table printed by `mono --help`.
const ExitHelp = `Exit codes:
  0  success
  1  a task, check or test failed
  2  bad command line: unknown flag, command, component, target or environment
  3  invalid manifest, mono.yaml or configuration file (file:line is printed)
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

// CodeOf maps an error to mono's exit code.
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
	case errors.As(err, &se), errors.As(err, &ses), errors.As(err, &ce):
		return ExitConfig
	case errors.Is(err, graph.ErrUnknown):
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
	// Getenv reads the environment.
	Getenv func(string) string
}

// System returns Deps for the real process.
func System() Deps {
	dir, _ := os.Getwd()
	return Deps{IO: IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, Dir: dir, Getenv: os.Getenv}
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
