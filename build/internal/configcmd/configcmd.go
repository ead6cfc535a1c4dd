// Package configcmd implements `mono config`: show, validate, diff and
// schema over the environment configuration in config/ (see libs/config and
// docs/config.md).
package configcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
)

// NewCommand returns `mono config` with its subcommands.
func NewCommand(d cli.Deps) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show, validate, compare and describe the environment configuration",
		Long: `The configuration of every component, per environment, from config/:
struct defaults < base.yaml < <env>.yaml < local.override.yaml (local only)
< environment variables (ORDERS_API__HTTP__LISTEN) < resolved references
(secret://, ssm://, file://). Secrets always print as [redacted].

--env defaults to $ENV, then local. See docs/config.md.`,
	}
	cmd.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log provider calls (references and versions, never values) to stderr")
	r := &runner{d: d, verbose: &verbose}
	cmd.AddCommand(r.showCommand(), r.validateCommand(), r.diffCommand(), r.schemaCommand())
	return cmd
}

// runner holds what every subcommand shares.
type runner struct {
	d       cli.Deps
	verbose *bool
}

func (r *runner) logger() *slog.Logger {
	level := slog.LevelWarn
	if *r.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(r.d.IO.ErrOut, &slog.HandlerOptions{Level: level}))
}

// sections returns the sections a command works on: all, or what the named
// component reads (shared and its own).
func sections(component string) ([]components.Section, error) {
	all := components.Sections()
	if component == "" {
		return all, nil
	}
	for _, s := range all {
		if s.Name == component && s.Name == components.SharedName {
			return []components.Section{s}, nil
		}
		if s.Name == component {
			return []components.Section{all[0], s}, nil
		}
	}
	names := components.Names()
	return nil, cli.Usagef("unknown component %q: components with configuration are %s", component, strings.Join(names, ", "))
}

// decoded is one section as read.
type decoded struct {
	name    string
	section *config.Section
}

// decodeAll decodes secs of set and returns every section with all problems
// found. With resolve, a first pass without references finds broken files,
// so that nothing is fetched (and no provider waited for) before they are
// fixed; then references are resolved and the rules checked.
func decodeAll(ctx context.Context, set *config.Set, secs []components.Section, resolve bool) ([]decoded, config.Problems, error) {
	out, probs, err := decodePass(ctx, set, secs, false)
	if err != nil || !resolve || config.IsFileError(probs) {
		return out, probs, err
	}
	return decodePass(ctx, set, secs, true)
}

func decodePass(ctx context.Context, set *config.Set, secs []components.Section, resolve bool) ([]decoded, config.Problems, error) {
	var out []decoded
	var probs config.Problems
	for _, s := range secs {
		var sec *config.Section
		var err error
		if resolve {
			sec, err = set.Decode(ctx, s.Name, s.New())
		} else {
			sec, err = set.DecodeUnresolved(s.Name, s.New())
		}
		var ps config.Problems
		switch {
		case errors.As(err, &ps):
			probs = append(probs, ps...)
		case err != nil:
			return nil, nil, err
		}
		out = append(out, decoded{name: s.Name, section: sec})
	}
	return out, probs, nil
}

// writeRows prints rows as aligned columns; the last column is not padded.
func writeRows(w io.Writer, rows [][]string) {
	widths := map[int]int{}
	for _, row := range rows {
		for i, c := range row[:len(row)-1] {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if i < len(row)-1 {
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			} else {
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// nest turns entries into nested maps by their paths, for --json.
func nest(entries []config.Entry) map[string]any {
	root := map[string]any{}
	for _, e := range entries {
		m := root
		for _, p := range e.Path[:len(e.Path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[e.Path[len(e.Path)-1]] = e.Value
	}
	return root
}
