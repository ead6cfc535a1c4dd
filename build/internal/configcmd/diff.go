package configcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/config"
)

type diffRow struct {
	Key string `json:"key"`
	A   string `json:"a"`
	B   string `json:"b"`
}

func (r *runner) diffCommand() *cobra.Command {
	var envs []string
	var component string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Compare the configuration of two environments",
		Long: `Print the keys whose values differ between two environments, without
resolving references: a secret shows as [redacted] with its reference, so
two environments compare by where their secrets come from.`,
		Example: `  mono config diff --env staging --env prod`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.diff(cmd, envs, component, asJSON)
		},
	}
	cmd.Flags().StringArrayVar(&envs, "env", nil, "an environment; give it twice")
	cmd.Flags().StringVar(&component, "component", "", "only what this component reads: shared and its own section")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (r *runner) diff(cmd *cobra.Command, envFlags []string, component string, asJSON bool) error {
	if len(envFlags) != 2 {
		return cli.Usagef("diff compares two environments: give --env twice, as in --env staging --env prod")
	}
	ws, err := r.d.Workspace()
	if err != nil {
		return err
	}
	secs, err := sections(component)
	if err != nil {
		return err
	}
	var sides [2]map[string]config.Entry
	var order []string
	seen := map[string]bool{}
	for i, flag := range envFlags {
		env, err := r.d.Env(ws, flag)
		if err != nil {
			return err
		}
		envFlags[i] = env
		set, err := r.d.Config(ws, env, r.logger())
		if err != nil {
			return err
		}
		got, probs, err := decodeAll(cmd.Context(), set, secs, false)
		if err != nil {
			return err
		}
		if len(probs) > 0 {
			return fmt.Errorf("config %s: %w", env, probs)
		}
		sides[i] = map[string]config.Entry{}
		for _, g := range got {
			for _, e := range g.section.Entries {
				sides[i][e.Key] = e
				if !seen[e.Key] {
					seen[e.Key] = true
					order = append(order, e.Key)
				}
			}
		}
	}
	var rows []diffRow
	for _, k := range order {
		a, okA := sides[0][k]
		b, okB := sides[1][k]
		va, vb := diffValue(a, okA), diffValue(b, okB)
		if va != vb {
			rows = append(rows, diffRow{Key: k, A: va, B: vb})
		}
	}
	out := r.d.IO.Out
	if asJSON {
		return cli.WriteJSON(out, map[string]any{"a": envFlags[0], "b": envFlags[1], "differences": rows})
	}
	if len(rows) == 0 {
		fmt.Fprintf(out, "%s and %s have the same configuration\n", envFlags[0], envFlags[1])
		return nil
	}
	table := [][]string{{"KEY", envFlags[0], envFlags[1]}}
	for _, row := range rows {
		table = append(table, []string{row.Key, row.A, row.B})
	}
	writeRows(out, table)
	return nil
}

// diffValue is how a key compares: its value, and for a secret where it
// comes from (its reference, or the place of a literal), never its value.
func diffValue(e config.Entry, ok bool) string {
	switch {
	case !ok:
		return "(not set)"
	case e.Secret && e.Origin.Ref != "":
		return config.Redacted + " " + e.Origin.Ref
	case e.Secret && e.Origin.Layer == config.LayerDefault:
		return config.Redacted + " (default)"
	case e.Secret:
		return config.Redacted + " (literal, " + e.Origin.Where() + ")"
	}
	return e.Value
}
