package config

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
)

// Redacted is what a Secret prints instead of its value.
const Redacted = "[redacted]"

// Secret holds a sensitive value. It prints as [redacted] through fmt (every
// verb), encoding/json, YAML and log/slog; only Reveal returns the value.
// Keep Secret fields exported: fmt cannot call the methods of a value held in
// an unexported struct field.
type Secret struct {
	value string
}

// NewSecret wraps a sensitive value.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the value, for the one place that needs it (a database
// driver, an HTTP header). Never log or print its result.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// Equal reports whether two secrets hold the same value, in constant time.
// go-cmp uses it, so configurations compare without revealing anything.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.value), []byte(o.value)) == 1
}

// String returns [redacted].
func (s Secret) String() string { return Redacted }

// GoString returns [redacted], for %#v.
func (s Secret) GoString() string { return Redacted }

// Format writes [redacted] for every fmt verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalJSON writes "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns [redacted]; encoders that prefer text (map keys, TOML)
// use it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalYAML writes [redacted].
func (s Secret) MarshalYAML() (any, error) { return Redacted, nil }

// LogValue makes log/slog print [redacted].
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
