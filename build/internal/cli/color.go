package cli

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Flags are mono's global flags, shared by every command: app binds them
// to the root command, commands read them when they run.
type Flags struct {
	// NoColor is --no-color.
	NoColor bool
}

// IsTerminal reports whether stream (an io.Reader or io.Writer) is a
// terminal: an *os.File on a character device.
func IsTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Colour decides whether output for people written to w is coloured; it
// is the one place that decides: only on a terminal (Deps.Terminal), never
// with --no-color, with NO_COLOR set to any non-empty value
// (https://no-color.org) or with TERM=dumb.
func (d Deps) Colour(w io.Writer) bool {
	switch {
	case d.Flags != nil && d.Flags.NoColor,
		d.Getenv("NO_COLOR") != "",
		d.Getenv("TERM") == "dumb",
		d.Terminal == nil:
		return false
	}
	return d.Terminal(w)
}

// Style returns the colours of output written to w (see Colour).
func (d Deps) Style(w io.Writer) Style { return Style{On: d.Colour(w)} }

// Style colours words of output for people; the zero Style is plain.
type Style struct{ On bool }

// ANSI SGR sequences. The colours of words all have the same length, so
// columns of coloured words still line up in a tabwriter.
const (
	sgrReset  = "\x1b[0m"
	sgrBold   = "\x1b[1m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrGrey   = "\x1b[90m"
)

func (s Style) paint(sgr, text string) string {
	if !s.On || text == "" {
		return text
	}
	return sgr + text + sgrReset
}

// OK colours a success word (ok, done) green.
func (s Style) OK(text string) string { return s.paint(sgrGreen, text) }

// Fail colours a failure word (failed, MISSING, the error prefix) red.
func (s Style) Fail(text string) string { return s.paint(sgrRed, text) }

// Warn colours a warning word (missing optional tool) yellow.
func (s Style) Warn(text string) string { return s.paint(sgrYellow, text) }

// Dim colours a word of little weight (cached) grey.
func (s Style) Dim(text string) string { return s.paint(sgrGrey, text) }

// Bold makes a heading bold.
func (s Style) Bold(text string) string { return s.paint(sgrBold, text) }

// Pad pads text, coloured or not, with spaces to width visible characters.
func (s Style) Pad(text string, width int) string {
	n := utf8.RuneCountInString(Plain(text))
	if n >= width {
		return text
	}
	return text + strings.Repeat(" ", width-n)
}

// Plain removes the colour sequences of Style from text.
func Plain(text string) string {
	if !strings.Contains(text, "\x1b[") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "\x1b[")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:i])
		j := strings.IndexByte(text[i:], 'm')
		if j < 0 {
			return b.String()
		}
		text = text[i+j+1:]
	}
}
