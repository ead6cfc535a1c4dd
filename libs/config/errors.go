package config

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error of Load and Decode wraps one of them, so
// callers map them with errors.Is (mono: the first three, IsFileError, are a
// broken file; build/internal/cli.CodeOf is the whole mapping).
var (
	ErrSyntax      = errors.New("malformed YAML")
	ErrUnknownKey  = errors.New("unknown key")
	ErrType        = errors.New("wrong type")
	ErrInvalid     = errors.New("invalid value")
	ErrUnresolved  = errors.New("reference not resolved")
	ErrNotFound    = errors.New("not found")
	ErrUnavailable = errors.New("provider unavailable")
	ErrRefused     = errors.New("refused")
	ErrUnknownEnv  = errors.New("unknown environment")
)

// Problem is one thing wrong with the configuration, at one place.
type Problem struct {
	// Origin is where the offending value was set (zero for a default).
	Origin Origin
	// Key is the dotted key, such as shared.database.max_conns.
	Key string
	// Kind is one of the sentinel errors.
	Kind error
	// Msg says what is wrong; it never holds a secret value.
	Msg string
	// Err is the cause, when a provider failed (ErrNotFound, ErrUnavailable,
	// ErrRefused, ...); its text is part of Msg.
	Err error
}

func (p *Problem) Error() string {
	var b strings.Builder
	if w := p.Origin.Where(); w != "" {
		b.WriteString(w)
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Unwrap returns the sentinel kind and the cause.
func (p *Problem) Unwrap() []error {
	if p.Err == nil {
		return []error{p.Kind}
	}
	return []error{p.Kind, p.Err}
}

// Problems is every problem found, in file order; it is the error type that
// Load and Decode return.
type Problems []*Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the problems, so errors.Is and errors.As look at each.
func (ps Problems) Unwrap() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
}

// err returns ps as an error, or nil when there is none.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// IsFileError reports whether err says a configuration file (or variable) is
// broken: malformed, of the wrong shape or holding unknown keys.
func IsFileError(err error) bool {
	return errors.Is(err, ErrSyntax) || errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrType)
}
