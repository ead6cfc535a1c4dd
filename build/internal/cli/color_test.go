package cli_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/acme/platform/build/internal/cli"
)

func TestColour(t *testing.T) {
	t.Parallel()
	tty := func(io.Writer) bool { return true }
	tests := []struct {
		name     string
		terminal func(io.Writer) bool
		environ  []string
		flags    *cli.Flags
		want     bool
	}{
		{name: "terminal", terminal: tty, want: true},
		{name: "no terminal test", want: false},
		{name: "not a terminal", terminal: func(io.Writer) bool { return false }, want: false},
		{name: "NO_COLOR=1", terminal: tty, environ: []string{"NO_COLOR=1"}, want: false},
		{name: "NO_COLOR=0 is still set", terminal: tty, environ: []string{"NO_COLOR=0"}, want: false},
		{name: "NO_COLOR empty", terminal: tty, environ: []string{"NO_COLOR="}, want: true},
		{name: "--no-color", terminal: tty, flags: &cli.Flags{NoColor: true}, want: false},
		{name: "TERM=dumb", terminal: tty, environ: []string{"TERM=dumb"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := cli.Deps{Environ: tt.environ, Terminal: tt.terminal, Flags: tt.flags}
			if got := d.Colour(&bytes.Buffer{}); got != tt.want {
				t.Errorf("Colour = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStyle(t *testing.T) {
	t.Parallel()
	on, off := cli.Style{On: true}, cli.Style{}
	if got := off.Fail("x") + off.OK("y"); got != "xy" {
		t.Errorf("plain style coloured: %q", got)
	}
	red := on.Fail("failed")
	if red != "\x1b[31mfailed\x1b[0m" {
		t.Errorf("Fail = %q", red)
	}
	if got := cli.Plain("a " + red + " b"); got != "a failed b" {
		t.Errorf("Plain = %q", got)
	}
	if got := on.Pad(on.OK("ok"), 5); cli.Plain(got) != "ok   " {
		t.Errorf("Pad = %q", got)
	}
	// Words of every colour are equally long, so tabwriter columns line up.
	if n := len(on.OK("w")); len(on.Fail("w")) != n || len(on.Warn("w")) != n || len(on.Dim("w")) != n {
		t.Errorf("colours differ in length: %q %q %q %q", on.OK("w"), on.Fail("w"), on.Warn("w"), on.Dim("w"))
	}
}
