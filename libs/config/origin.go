package config

import (
	"fmt"
	"strings"
)

// Layer is the kind of source that set a value; a later layer wins.
type Layer int

// The layers, in the order they apply.
const (
	LayerDefault  Layer = iota // the struct default
	LayerBase                  // base.yaml
	LayerEnv                   // <env>.yaml
	LayerOverride              // local.override.yaml
	LayerVar                   // an environment variable
	LayerRef                   // a resolved reference
)

func (l Layer) String() string {
	switch l {
	case LayerDefault:
		return "default"
	case LayerBase:
		return "base"
	case LayerEnv:
		return "env-file"
	case LayerOverride:
		return "override"
	case LayerVar:
		return "variable"
	case LayerRef:
		return "reference"
	}
	return fmt.Sprintf("layer(%d)", int(l))
}

// MarshalText writes the layer name.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Origin says where a value came from.
type Origin struct {
	// Layer is the source kind that set the value.
	Layer Layer `json:"layer"`
	// File and Line locate a value set in a file, such as config/dev.yaml:12.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Var is the environment variable that set the value.
	Var string `json:"var,omitempty"`
	// Ref is the reference the value names (secret://, ssm://, file://).
	Ref string `json:"ref,omitempty"`
	// Version is the version of the resolved reference.
	Version string `json:"version,omitempty"`
	// Resolved reports whether Ref was resolved; false when only shown.
	Resolved bool `json:"resolved,omitempty"`
}

// Where locates the value: file:line, env NAME, or "" for a default.
func (o Origin) Where() string {
	switch {
	case o.File != "" && o.Line > 0:
		return fmt.Sprintf("%s:%d", o.File, o.Line)
	case o.File != "":
		return o.File
	case o.Var != "":
		return "env " + o.Var
	}
	return ""
}

// String describes the origin for people: "config/dev.yaml:12",
// "env SHARED__DATABASE__MAX_CONNS", "default", or
// "secret://orders-db#password (version 3f2a..., config/dev.yaml:14)".
func (o Origin) String() string {
	where := o.Where()
	if o.Ref == "" {
		if where == "" {
			return LayerDefault.String()
		}
		return where
	}
	var notes []string
	switch {
	case o.Resolved && o.Version != "":
		notes = append(notes, "version "+o.Version)
	case !o.Resolved:
		notes = append(notes, "not resolved")
	}
	if where != "" {
		notes = append(notes, where)
	}
	return fmt.Sprintf("%s (%s)", o.Ref, strings.Join(notes, ", "))
}
