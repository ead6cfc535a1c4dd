package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ProtectedEnv is the environment that is changed only after explicit
// confirmation (mono infra apply, mono deploy, mono rollback).
const ProtectedEnv = "prod"

// ErrNotConfirmed means the person did not type the confirmation.
var ErrNotConfirmed = errors.New("not confirmed: nothing was applied")

// ConfirmEnv guards a change to env: it asks the person at the terminal to
// type the environment name, or accepts yes (--yes-i-mean-prod) where
// there is no terminal (CI after its approval step). tool prefixes the
// lines (infra, deploy) and what names what is applied ("the plan above").
// A wrong answer is ErrNotConfirmed (exit 1); no terminal and no yes is a
// usage error.
func ConfirmEnv(streams IOStreams, terminal bool, tool, what, env string, yes bool) error {
	if yes {
		fmt.Fprintf(streams.ErrOut, "%s: --yes-i-mean-prod given: applying %s to %s\n", tool, what, env)
		return nil
	}
	if !terminal {
		return Usagef("refusing to apply to %s without a terminal to confirm on: review %s, then pass --yes-i-mean-prod (as CI does after its approval step)", env, what)
	}
	fmt.Fprintf(streams.ErrOut, "\nApply %s to %s? Type %q to confirm: ", what, env, env)
	line, err := bufio.NewReader(streams.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if strings.TrimSpace(line) != env {
		return Exit(ExitFailed, ErrNotConfirmed)
	}
	return nil
}
