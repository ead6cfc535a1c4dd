package configcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
)

func (r *runner) validateCommand() *cobra.Command {
	var env string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration of every component in an environment",
		Long: `Decode every section of an environment strictly (unknown keys and wrong
types fail with file:line and the closest known key), resolve every
reference (a secret is fetched to prove it exists, and never printed) and
check the validation rules.

Cloud environments resolve against AWS with the default credential chain;
point the SDK at an emulator with SHARED__AWS__ENDPOINT=http://127.0.0.1:5000
(or AWS_ENDPOINT_URL). --timeout bounds the whole run.`,
		Example: `  mono config validate --env prod
  SHARED__AWS__ENDPOINT=http://127.0.0.1:5000 mono config validate --env dev`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			return r.validate(ctx, cmd, env)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment (default $ENV, then local)")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "give up after this long")
	return cmd
}

func (r *runner) validate(ctx context.Context, _ *cobra.Command, envFlag string) error {
	ws, err := r.d.Workspace()
	if err != nil {
		return err
	}
	env, err := r.d.Env(ws, envFlag)
	if err != nil {
		return err
	}
	set, err := r.d.Config(ws, env, r.logger())
	if err != nil {
		return err
	}
	got, probs, err := decodeAll(ctx, set, components.Sections(), true)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		noun := "problems"
		if len(probs) == 1 {
			noun = "problem"
		}
		return fmt.Errorf("config %s is invalid (%d %s):\n%w", env, len(probs), noun, probs)
	}
	keys, refs := 0, 0
	for _, g := range got {
		for _, e := range g.section.Entries {
			keys++
			if e.Origin.Layer == config.LayerRef {
				refs++
			}
		}
	}
	fmt.Fprintf(r.d.IO.Out, "config %s: ok (%d sections, %d keys, %d references resolved)\n", env, len(got), keys, refs)
	return nil
}
