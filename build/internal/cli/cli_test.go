package cli_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/config"
)

// TestCodeOfConfigErrors is the one mapping of configuration errors to
// mono's exit codes (docs/mono.md), for every sentinel of libs/config, bare,
// wrapped and inside the Problems a load returns.
func TestCodeOfConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sentinel error
		want     int
	}{
		{config.ErrUnknownEnv, cli.ExitUsage},
		{config.ErrSyntax, cli.ExitConfig},
		{config.ErrUnknownKey, cli.ExitConfig},
		{config.ErrType, cli.ExitConfig},
		{config.ErrInvalid, cli.ExitFailed},
		{config.ErrUnresolved, cli.ExitFailed},
		{config.ErrNotFound, cli.ExitFailed},
		{config.ErrRefused, cli.ExitFailed},
		{config.ErrUnavailable, cli.ExitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.sentinel.Error(), func(t *testing.T) {
			t.Parallel()
			problems := config.Problems{
				{Key: "shared.log.level", Kind: config.ErrInvalid, Msg: "first"},
				{Key: "shared.x", Kind: tt.sentinel, Msg: "second"},
			}
			if tt.sentinel == config.ErrInvalid {
				problems = problems[:1]
			}
			for name, err := range map[string]error{
				"bare":     tt.sentinel,
				"wrapped":  fmt.Errorf("load config dev: %w", tt.sentinel),
				"problems": fmt.Errorf("load config dev: %w", problems),
			} {
				if got := cli.CodeOf(err); got != tt.want {
					t.Errorf("%s: CodeOf(%v) = %d, want %d", name, err, got, tt.want)
				}
			}
		})
	}
	// An explicit code still wins.
	if got := cli.CodeOf(cli.Exit(cli.ExitMissing, config.ErrUnknownKey)); got != cli.ExitMissing {
		t.Errorf("CodeOf(Exit(5, unknown key)) = %d", got)
	}
	if got := cli.CodeOf(errors.New("boom")); got != cli.ExitFailed {
		t.Errorf("CodeOf(plain) = %d", got)
	}
}

func TestGetenv(t *testing.T) {
	t.Parallel()
	d := cli.Deps{Environ: []string{"ENV=dev", "PATH=/bin", "ENV=prod", "EMPTY="}}
	for key, want := range map[string]string{"ENV": "prod", "PATH": "/bin", "EMPTY": "", "NOPE": "", "EN": ""} {
		if got := d.Getenv(key); got != want {
			t.Errorf("Getenv(%q) = %q, want %q", key, got, want)
		}
	}
	if got := cli.Vars(map[string]string{"B": "2", "A": "1"}); fmt.Sprint(got) != "[A=1 B=2]" {
		t.Errorf("Vars = %v", got)
	}
}
