package config

import (
	"fmt"
	"strings"
)

// RefKind is the provider a reference names.
type RefKind int

// The reference kinds.
const (
	RefSecret RefKind = iota + 1 // secret://<name>#<key>
	RefSSM                       // ssm://<path>
	RefFile                      // file://<path>
)

func (k RefKind) String() string {
	switch k {
	case RefSecret:
		return "secret"
	case RefSSM:
		return "ssm"
	case RefFile:
		return "file"
	}
	return fmt.Sprintf("ref(%d)", int(k))
}

// Ref is a parsed reference.
type Ref struct {
	Kind RefKind
	// Name is the secret name (without the environment prefix), the SSM
	// parameter name (always starting with /), or the file path.
	Name string
	// Key selects one key of a secret that holds a JSON object; empty means
	// the whole secret string.
	Key string
	// Raw is the reference as written.
	Raw string
}

func (r Ref) String() string { return r.Raw }

// source identifies what a provider fetches for r; references that differ
// only in Key share it, and so share one cache entry.
func (r Ref) source() string { return r.Kind.String() + ":" + r.Name }

// IsRef reports whether s starts like a reference.
func IsRef(s string) bool {
	for _, p := range []string{"secret://", "ssm://", "file://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// ParseRef parses secret://<name>[#<key>], ssm://<path> (ssm:///acme/dev/x
// and ssm://acme/dev/x both name /acme/dev/x) or file://<path> (absolute, or
// relative to the configuration folder).
func ParseRef(s string) (Ref, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Ref{}, fmt.Errorf("%q is not a reference (secret://, ssm:// or file://)", s)
	}
	r := Ref{Raw: s}
	switch scheme {
	case "secret":
		r.Kind = RefSecret
		r.Name, r.Key, _ = strings.Cut(rest, "#")
		if r.Name == "" || strings.ContainsAny(r.Name, " \t") {
			return Ref{}, fmt.Errorf("reference %q: want secret://<name>#<key>", s)
		}
	case "ssm":
		r.Kind = RefSSM
		name := strings.TrimLeft(rest, "/")
		if name == "" || strings.ContainsAny(name, " \t#") {
			return Ref{}, fmt.Errorf("reference %q: want ssm://<path>, such as ssm:///acme/dev/s3/exports-bucket", s)
		}
		r.Name = "/" + name
	case "file":
		r.Kind = RefFile
		r.Name = rest
		if r.Name == "" {
			return Ref{}, fmt.Errorf("reference %q: want file://<path>", s)
		}
	default:
		return Ref{}, fmt.Errorf("reference %q: unknown scheme %q (secret, ssm or file)", s, scheme)
	}
	return r, nil
}
