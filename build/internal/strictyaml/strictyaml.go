// Package strictyaml decodes YAML files into Go structs strictly: unknown
// keys are errors that name the file, the line and the closest known key,
// and type errors name the file and line.
package strictyaml

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/build/internal/suggest"
	"go.yaml.in/yaml/v3"
)

// Error is a problem at one place of a YAML file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found in one file.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// Decode parses data (read from file, which is only used in messages) into v,
// a pointer to a struct. Empty input leaves v unchanged.
func Decode(file string, data []byte, v any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			var line int
			fmt.Sscan(m[1], &line)
			return &Error{File: file, Line: line, Msg: "malformed YAML: " + m[2]}
		}
		return &Error{File: file, Msg: "malformed YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	var errs Errors
	checkKeys(file, root, reflect.TypeOf(v), "", &errs)
	if len(errs) > 0 {
		return errs
	}
	if err := root.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				e := &Error{File: file, Msg: m}
				if sm := lineRE.FindStringSubmatch(m); sm != nil {
					fmt.Sscan(sm[1], &e.Line)
					e.Msg = sm[2]
				}
				errs = append(errs, e)
			}
			return errs
		}
		return &Error{File: file, Line: root.Line, Msg: err.Error()}
	}
	return nil
}

// checkKeys walks node alongside type t and reports mapping keys that t does
// not declare.
func checkKeys(file string, node *yaml.Node, t reflect.Type, path string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	switch t.Kind() {
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch
		}
		fields := fieldsOf(t)
		known := make([]string, 0, len(fields))
		for k := range fields {
			known = append(known, k)
		}
		sort.Strings(known)
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, val := node.Content[i], node.Content[i+1]
			ft, ok := fields[key.Value]
			if !ok {
				msg := fmt.Sprintf("unknown key %q", join(path, key.Value))
				if s := suggest.Closest(key.Value, known); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				} else {
					msg += fmt.Sprintf(" (known keys: %s)", strings.Join(known, ", "))
				}
				*errs = append(*errs, &Error{File: file, Line: key.Line, Msg: msg})
				continue
			}
			checkKeys(file, val, ft, join(path, key.Value), errs)
		}
	case reflect.Map:
		if node.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			checkKeys(file, node.Content[i+1], t.Elem(), join(path, node.Content[i].Value), errs)
		}
	case reflect.Slice, reflect.Array:
		if node.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range node.Content {
			checkKeys(file, item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	}
}

func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range fieldsOf(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// KeyLine returns the line of the key at the path keys (a top-level key,
// then keys of nested mappings) in a YAML document: the deepest one found,
// or 0 when not even the first is.
func KeyLine(data []byte, keys ...string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	line := 0
	for _, key := range keys {
		if m.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				line, m, found = m.Content[i].Line, m.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}
