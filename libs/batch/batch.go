// Package batch holds what every Go batch job in scripts/ shares: the exit
// codes Airflow acts on and the classification of errors into them, the day
// a run works on, and the one summary line a run ends with.
//
// The exit codes are a contract with dags/ (see docs/jobs-and-dags.md):
//
//	0  success
//	1  failure that a retry will not fix by itself (a bug, bad configuration)
//	2  bad input: the run's arguments are wrong; retrying is pointless
//	3  a dependency is unavailable (database, object store, AWS): retry later
package batch

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/db"
)

// Exit codes of a job.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitBadInput    = 2
	ExitUnavailable = 3
)

// Sentinel errors; wrap them (or use BadInputf and Unavailable) so Code
// picks the exit code.
var (
	// ErrBadInput means the arguments of the run are wrong.
	ErrBadInput = errors.New("bad input")
	// ErrUnavailable means a dependency did not answer; a later run may work.
	ErrUnavailable = errors.New("dependency unavailable")
)

// BadInputf returns an error wrapping ErrBadInput.
func BadInputf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

// Unavailable wraps err with ErrUnavailable; a nil err stays nil.
func Unavailable(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// Code maps the error a run returned to the job's exit code. Besides the
// sentinels of this package it knows the ones of libs/db and libs/config
// for an unreachable database or AWS provider, the AWS SDK's "retries
// exhausted", network errors and deadlines: all of them retryable.
// flag.ErrHelp (-h printed the usage) is success.
func Code(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var maxAttempts *retry.MaxAttemptsError
	var netErr net.Error
	switch {
	case errors.Is(err, ErrBadInput):
		return ExitBadInput
	case errors.Is(err, ErrUnavailable),
		errors.Is(err, db.ErrUnreachable),
		errors.Is(err, config.ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &maxAttempts),
		errors.As(err, &netErr):
		return ExitUnavailable
	}
	return ExitFailed
}

// Parse parses a job's command line with fs: -h and --help return
// flag.ErrHelp (the usage is printed, the job exits 0), any other mistake
// and a positional argument are bad input.
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return BadInputf("%v", err)
	case fs.NArg() > 0:
		return BadInputf("unexpected arguments %q: every input is a flag (-h lists them)", fs.Args())
	}
	return nil
}

// Outcome names an exit code in the summary line.
func Outcome(code int) string {
	switch code {
	case ExitOK:
		return "ok"
	case ExitBadInput:
		return "bad_input"
	case ExitUnavailable:
		return "unavailable"
	}
	return "failed"
}
