package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/app"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
)

func TestColour(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fixture.Write(t, dir, map[string]string{
		"mono.yaml":              "project: t\nenvironments: [local]\n",
		"comps/a/component.yaml": "name: a\nkind: helm-chart\ntasks:\n  build:\n    command: echo built\n    cache: false\n",
		"comps/b/component.yaml": "name: b\nkind: helm-chart\ntasks:\n  build:\n    command: exit 3\n    cache: false\n",
	})
	tty := func(io.Writer) bool { return true }
	tests := []struct {
		name     string
		terminal func(io.Writer) bool
		environ  []string
		args     []string
		colour   bool
	}{
		{name: "terminal", terminal: tty, colour: true},
		{name: "not a terminal"},
		{name: "NO_COLOR", terminal: tty, environ: []string{"NO_COLOR=1"}},
		{name: "--no-color", terminal: tty, args: []string{"--no-color"}},
		{name: "NO_COLOR empty is unset", terminal: tty, environ: []string{"NO_COLOR="}, colour: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			deps := cli.Deps{
				IO:       cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
				Dir:      dir,
				Environ:  append([]string{"PATH=" + os.Getenv("PATH")}, tt.environ...),
				Terminal: tt.terminal,
			}
			code := app.Main(context.Background(), append([]string{"run", "build", "--continue"}, tt.args...), deps)
			if code != cli.ExitFailed {
				t.Fatalf("exit code %d, want 1 (b fails)\n%s%s", code, out.String(), errOut.String())
			}
			all := out.String() + errOut.String()
			if got := strings.Contains(all, "\x1b["); got != tt.colour {
				t.Fatalf("escape sequences: %v, want %v:\n%q", got, tt.colour, all)
			}
			if tt.colour {
				for _, want := range []string{"\x1b[32mok\x1b[0m", "\x1b[31mfailed\x1b[0m"} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("stdout lacks %q:\n%q", want, out.String())
					}
				}
				if !strings.HasPrefix(errOut.String(), "\x1b[31mmono:\x1b[0m run build: 1 of 2 tasks failed") {
					t.Errorf("stderr does not start with a red error prefix:\n%q", errOut.String())
				}
			}
			// Coloured or not, the words and columns are the same.
			if plain := cli.Plain(out.String()); !strings.Contains(plain, "[1/2] ok      a:build") && !strings.Contains(plain, "[2/2] ok      a:build") {
				t.Errorf("plain text of the output changed:\n%s", plain)
			}
		})
	}
}
