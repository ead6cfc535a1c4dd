package configcmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/config"
)

type showOptions struct {
	env, component         string
	explain, json, resolve bool
}

func (r *runner) showCommand() *cobra.Command {
	var o showOptions
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the configuration of an environment, secrets redacted",
		Long: `Print every key of every component (or of --component) in an environment,
with secrets redacted. --explain adds where each value came from: default,
file:line, env VAR or the reference. References are not resolved unless
--resolve is given, so show works for cloud environments without AWS access.`,
		Example: `  mono config show --env dev --component orders-api --explain
  ENV=prod mono config show --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return r.show(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.env, "env", "", "environment (default $ENV, then local)")
	f.StringVar(&o.component, "component", "", "only what this component reads: shared and its own section")
	f.BoolVar(&o.explain, "explain", false, "add the origin of each value")
	f.BoolVar(&o.json, "json", false, "print JSON")
	f.BoolVar(&o.resolve, "resolve", false, "resolve references (needs the providers: AWS in cloud environments) and check the rules")
	return cmd
}

func (r *runner) show(cmd *cobra.Command, o showOptions) error {
	ws, err := r.d.Workspace()
	if err != nil {
		return err
	}
	env, err := r.d.Env(ws, o.env)
	if err != nil {
		return err
	}
	secs, err := sections(o.component)
	if err != nil {
		return err
	}
	set, err := r.d.Config(ws, env, r.logger())
	if err != nil {
		return err
	}
	got, probs, err := decodeAll(cmd.Context(), set, secs, o.resolve)
	if err != nil {
		return err
	}
	if config.IsFileError(probs) {
		return fmt.Errorf("config %s: %w", env, probs)
	}
	var entries []config.Entry
	for _, g := range got {
		entries = append(entries, g.section.Entries...)
	}
	out := r.d.IO.Out
	if o.json {
		doc := map[string]any{"env": env, "files": set.Files(), "resolved": o.resolve, "values": nest(entries)}
		if o.explain {
			doc["entries"] = entries
		}
		if err := cli.WriteJSON(out, doc); err != nil {
			return err
		}
	} else {
		note := "references not resolved (--resolve resolves them)"
		if o.resolve {
			note = "references resolved"
		}
		fmt.Fprintf(out, "# env %s from %s; %s\n", env, strings.Join(set.Files(), ", "), note)
		rows := make([][]string, 0, len(entries)+1)
		if o.explain {
			rows = append(rows, []string{"KEY", "VALUE", "LAYER", "ORIGIN"})
		}
		for _, e := range entries {
			row := []string{e.Key, e.Value}
			if o.explain {
				origin := e.Origin.String()
				if e.Origin.Layer == config.LayerDefault {
					origin = ""
				}
				row = append(row, e.Origin.Layer.String(), origin)
			}
			rows = append(rows, row)
		}
		writeRows(out, rows)
	}
	if len(probs) > 0 {
		return fmt.Errorf("config %s: %w", env, probs)
	}
	return nil
}
