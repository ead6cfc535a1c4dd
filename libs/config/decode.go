package config

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"
)

// Entry is one key of a decoded section: its value as shown to people and
// where it came from.
type Entry struct {
	// Key is the dotted key, such as orders-api.jwt.signing_key.
	Key string `json:"key"`
	// Path is Key split into its parts (map keys may hold dots).
	Path []string `json:"-"`
	// Value is the value as text: [redacted] for a secret, the reference
	// itself for a reference that was not resolved.
	Value string `json:"value"`
	// Secret reports a Secret key.
	Secret bool `json:"secret,omitempty"`
	// Origin is where the value came from.
	Origin Origin `json:"origin"`
}

var (
	secretType   = reflect.TypeFor[Secret]()
	durationType = reflect.TypeFor[time.Duration]()
)

// resolveFunc resolves one reference.
type resolveFunc func(context.Context, Ref) (Versioned, error)

// decoder walks the merged tree alongside a Go value, filling it and
// recording an Entry for every leaf and a Problem for everything wrong.
type decoder struct {
	ctx     context.Context
	env     string
	resolve resolveFunc // nil: leave references unresolved
	entries []Entry
	refs    map[string]refAt // key -> reference that set it
	failed  map[string]bool  // keys whose value could not be decoded or resolved
	probs   Problems
}

type refAt struct {
	ref     Ref
	version string
}

func newDecoder(ctx context.Context, env string, resolve resolveFunc) *decoder {
	return &decoder{ctx: ctx, env: env, resolve: resolve, refs: map[string]refAt{}, failed: map[string]bool{}}
}

func (d *decoder) problem(o Origin, path []string, kind error, format string, args ...any) {
	d.probs = append(d.probs, &Problem{Origin: o, Key: strings.Join(path, "."), Kind: kind, Msg: fmt.Sprintf(format, args...)})
	d.failed[strings.Join(path, ".")] = true
}

// value decodes n (nil: not set by any layer) into v at path.
func (d *decoder) value(path []string, n *node, v reflect.Value) {
	t := v.Type()
	switch {
	case t == secretType || t == durationType:
		d.leaf(path, n, v)
	case t.Kind() == reflect.Struct:
		d.structure(path, n, v)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		d.mapping(path, n, v)
	case t.Kind() == reflect.Slice:
		d.sequence(path, n, v)
	case isScalarKind(t.Kind()):
		d.leaf(path, n, v)
	default:
		panic(fmt.Sprintf("config: %s: type %s is not supported in configuration structs", strings.Join(path, "."), t))
	}
}

func isScalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// field is a struct field as configuration sees it.
type field struct {
	name  string
	index []int
}

// fieldsOf lists the configuration keys of struct type t: the yaml tag name,
// or the lower-cased field name; inline structs contribute their fields.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct {
			for _, sub := range fieldsOf(f.Type) {
				out = append(out, field{name: sub.name, index: append([]int{i}, sub.index...)})
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, field{name: name, index: []int{i}})
	}
	return out
}

func (d *decoder) structure(path []string, n *node, v reflect.Value) {
	if n.isNull() {
		n = nil
	}
	if n != nil && n.kind != mapNode {
		d.problem(n.origin, path, ErrType, "expected a mapping, got %s", n.describe())
		n = nil
	}
	fields := fieldsOf(v.Type())
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.name] = true
		d.value(appendPath(path, f.name), child(n, f.name), v.FieldByIndex(f.index))
	}
	if n == nil {
		return
	}
	for _, k := range n.keys {
		if known[k] {
			continue
		}
		kid := n.kids[k]
		msg := fmt.Sprintf("unknown key %q", k)
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.name
		}
		if s := closest(k, names); s != "" {
			if kid.origin.Var != "" {
				msg += fmt.Sprintf(" (did you mean %q, set by %s?)", s, VarName(appendPath(path, s)...))
			} else {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
		} else {
			sort.Strings(names)
			msg += fmt.Sprintf(" (known keys: %s)", strings.Join(names, ", "))
		}
		d.problem(kid.origin, appendPath(path, k), ErrUnknownKey, "%s", msg)
	}
}

func (d *decoder) mapping(path []string, n *node, v reflect.Value) {
	if n.isNull() {
		n = nil
	}
	if n != nil && n.kind != mapNode {
		d.problem(n.origin, path, ErrType, "expected a mapping, got %s", n.describe())
		n = nil
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	keys := map[string]bool{}
	var order []string
	for _, k := range v.MapKeys() {
		keys[k.String()] = true
		order = append(order, k.String())
	}
	sort.Strings(order)
	if n != nil {
		for _, k := range n.keys {
			if !keys[k] {
				keys[k] = true
				order = append(order, k)
			}
		}
	}
	for _, k := range order {
		elem := reflect.New(v.Type().Elem()).Elem()
		key := reflect.ValueOf(k).Convert(v.Type().Key())
		if cur := v.MapIndex(key); cur.IsValid() {
			elem.Set(cur)
		}
		d.value(appendPath(path, k), child(n, k), elem)
		v.SetMapIndex(key, elem)
	}
}

func (d *decoder) sequence(path []string, n *node, v reflect.Value) {
	if n.isNull() {
		d.entry(path, v, Origin{Layer: LayerDefault})
		return
	}
	yn := n.yn
	if n.kind == scalarNode && n.fromVar {
		yn = splitList(n.yn.Value)
	}
	if n.kind == mapNode || yn.Kind != yaml.SequenceNode {
		d.problem(n.origin, path, ErrType, "expected a list, got %s", n.describe())
		return
	}
	elem := v.Type().Elem()
	if elem.Kind() == reflect.Struct && elem != secretType && elem != durationType {
		p := &parser{file: n.origin.File, layer: n.origin.Layer, budget: maxNodes}
		out := reflect.MakeSlice(v.Type(), len(yn.Content), len(yn.Content))
		for i, item := range yn.Content {
			kid := p.convert(item, item.Line)
			if n.fromVar {
				kid.origin = n.origin
			}
			d.value(appendPath(path, strconv.Itoa(i)), kid, out.Index(i))
		}
		d.probs = append(d.probs, p.probs...)
		v.Set(out)
		return
	}
	out := reflect.New(v.Type())
	for _, item := range yn.Content {
		if item.Kind == yaml.ScalarNode && item.ShortTag() == "!!str" && IsRef(item.Value) {
			d.problem(n.origin, path, ErrInvalid, "references are not resolved inside lists; give the list its own key")
			return
		}
	}
	if err := yn.Decode(out.Interface()); err != nil {
		d.problem(n.origin, path, ErrType, "expected a list of %s: %s", elem, yamlErrMsg(err))
		return
	}
	v.Set(out.Elem())
	d.entry(path, v, n.origin)
}

// splitList reads a list from a variable: YAML flow syntax ([a, b]) or
// comma-separated values.
func splitList(s string) *yaml.Node {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(s), &doc) == nil && len(doc.Content) == 1 {
			return doc.Content[0]
		}
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, part := range strings.Split(s, ",") {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: strings.TrimSpace(part)})
	}
	return seq
}

// leaf decodes a scalar: a literal, or a reference to resolve.
func (d *decoder) leaf(path []string, n *node, v reflect.Value) {
	if n.isNull() {
		d.entry(path, v, Origin{Layer: LayerDefault})
		return
	}
	if n.kind != scalarNode {
		d.problem(n.origin, path, ErrType, "expected %s, got %s", typeName(v.Type()), n.describe())
		return
	}
	raw := n.yn.Value
	isString := n.fromVar || n.yn.ShortTag() == "!!str"
	if isString && IsRef(raw) {
		d.reference(path, n, v, raw)
		return
	}
	switch {
	case v.Type() == secretType:
		v.Set(reflect.ValueOf(NewSecret(raw)))
		if raw != "" && d.env != Local && n.origin.Layer >= LayerBase && n.origin.Layer <= LayerOverride {
			d.problem(n.origin, path, ErrInvalid, "a secret must not be written into a committed file in %s: use secret://<name>#<key> or file://<path> (rule no-literal-secret)", d.env)
			return
		}
	case v.Type() == durationType:
		dur, err := time.ParseDuration(raw)
		if err != nil {
			d.problem(n.origin, path, ErrType, "expected a duration such as 30s, 5m or 1h30m, got %q", raw)
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.String && n.fromVar:
		v.SetString(raw)
	default:
		yn := n.yn
		if n.fromVar {
			yn = &yaml.Node{Kind: yaml.ScalarNode, Value: raw}
		}
		ptr := reflect.New(v.Type())
		if err := yn.Decode(ptr.Interface()); err != nil {
			d.problem(n.origin, path, ErrType, "expected %s, got %q", typeName(v.Type()), raw)
			return
		}
		v.Set(ptr.Elem())
	}
	d.entry(path, v, n.origin)
}

// reference handles a leaf whose value is a reference.
func (d *decoder) reference(path []string, n *node, v reflect.Value, raw string) {
	o := n.origin
	o.Ref = raw
	ref, err := ParseRef(raw)
	if err != nil {
		d.problem(n.origin, path, ErrInvalid, "%v", err)
		return
	}
	secret := v.Type() == secretType
	if !secret && v.Kind() != reflect.String {
		d.problem(n.origin, path, ErrType, "expected %s, got the reference %q: references fill only string and secret keys", typeName(v.Type()), raw)
		return
	}
	if ref.Kind == RefSecret && !secret {
		d.problem(n.origin, path, ErrInvalid, "secret:// references fill only secret keys (declare the key as config.Secret)")
		return
	}
	key := strings.Join(path, ".")
	v.SetZero()
	if d.resolve == nil {
		display := raw
		if secret {
			display = Redacted
		}
		d.entries = append(d.entries, Entry{Key: key, Path: path, Value: display, Secret: secret, Origin: o})
		d.refs[key] = refAt{ref: ref}
		return
	}
	got, err := d.resolve(d.ctx, ref)
	if err != nil {
		d.problem(n.origin, path, ErrUnresolved, "cannot resolve %s: %v", raw, err)
		d.probs[len(d.probs)-1].Err = err
		return
	}
	if secret {
		v.Set(reflect.ValueOf(got.Value))
	} else {
		v.SetString(got.Value.Reveal())
	}
	o.Layer, o.Resolved, o.Version = LayerRef, true, got.Version
	d.refs[key] = refAt{ref: ref, version: got.Version}
	d.entry(path, v, o)
}

// entry records the value of a leaf.
func (d *decoder) entry(path []string, v reflect.Value, o Origin) {
	d.entries = append(d.entries, Entry{
		Key:    strings.Join(path, "."),
		Path:   append([]string(nil), path...),
		Value:  display(v),
		Secret: v.Type() == secretType,
		Origin: o,
	})
}

// display renders a value for people; secrets are redacted.
func display(v reflect.Value) string {
	switch {
	case v.Type() == secretType:
		if v.Interface().(Secret).IsZero() {
			return "" // that a secret is unset is no secret
		}
		return Redacted
	case v.Type() == durationType:
		return formatDuration(time.Duration(v.Int()))
	case v.Kind() == reflect.String:
		return v.String()
	case v.Kind() == reflect.Slice:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return fmt.Sprint(v.Interface())
		}
		return string(b)
	}
	return fmt.Sprint(v.Interface())
}

func typeName(t reflect.Type) string {
	switch {
	case t == secretType:
		return "a secret string"
	case t == durationType:
		return "a duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	}
	return t.String()
}

// yamlErrMsg strips yaml's prefixes, which name lines of a synthetic node.
func yamlErrMsg(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(strings.TrimSpace(msg), "line ") {
		msg = msg[i+2:]
	}
	return strings.TrimSpace(msg)
}

func appendPath(path []string, key string) []string {
	out := make([]string, len(path)+1)
	copy(out, path)
	out[len(path)] = key
	return out
}

// closest returns the known name nearest to name by edit distance, or ""
// when none is near enough to be a plausible typo.
func closest(name string, known []string) string {
	best, bestDist := "", len(name)/2+2
	for _, k := range known {
		dist := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(k))
		if len(name) >= 3 && strings.Contains(k, name) {
			dist = min(dist, 1)
		}
		if dist < bestDist || (dist == bestDist && k < best) {
			best, bestDist = k, dist
		}
	}
	return best
}

// formatDuration writes d as people write it in the files: 1h, 1h30m, 5m,
// 30s, not 1h0m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
