package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// newValidator returns a validator that names fields by their yaml keys and
// checks a Secret as the string it holds.
//
// Rules are go-playground/validator tags (`validate:"required,oneof=a b"`);
// this file turns its errors into messages naming the file, the key and the
// rule, and never shows the value of a secret.
func newValidator() *validator.Validate {
	v := validator.New()
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			return ""
		case "":
			return strings.ToLower(f.Name)
		}
		return name
	})
	v.RegisterCustomTypeFunc(func(v reflect.Value) any { return v.Interface().(Secret).Reveal() }, Secret{})
	return v
}

// validate checks the rules of the section value v and adds a Problem per
// violation. Keys that already failed are skipped.
func (d *decoder) validate(val *validator.Validate, section string, v reflect.Value, hint func(path []string) string) {
	err := val.Struct(v.Interface())
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		if err != nil {
			d.probs = append(d.probs, &Problem{Key: section, Kind: ErrInvalid, Msg: err.Error()})
		}
		return
	}
	byKey := make(map[string]Entry, len(d.entries))
	for _, e := range d.entries {
		byKey[e.Key] = e
	}
	for _, fe := range ves {
		path := append([]string{section}, nsPath(fe.Namespace())[1:]...)
		key := strings.Join(path, ".")
		if d.failed[key] {
			continue
		}
		e := byKey[key]
		msg := ruleMessage(fe, v.Type(), e.Secret)
		if e.Origin.Where() == "" && e.Origin.Ref == "" {
			msg += "; " + hint(path)
		}
		rule := fe.Tag()
		if fe.Param() != "" {
			rule += "=" + fe.Param()
		}
		d.probs = append(d.probs, &Problem{Origin: e.Origin, Key: key, Kind: ErrInvalid, Msg: fmt.Sprintf("%s (rule %s)", msg, rule)})
	}
}

// nsPath splits a validator namespace (Shared.blobs[exports].bucket) into
// key parts.
func nsPath(ns string) []string {
	var out []string
	for _, seg := range strings.Split(ns, ".") {
		name, rest, ok := strings.Cut(seg, "[")
		out = append(out, name)
		for ok {
			var key string
			key, rest, _ = strings.Cut(rest, "]")
			out = append(out, key)
			_, rest, ok = strings.Cut(rest, "[")
		}
	}
	return out
}

// ruleMessage says in words what the rule of fe wants. It shows the value
// only for keys that are not secret.
func ruleMessage(fe validator.FieldError, root reflect.Type, secret bool) string {
	param := fe.Param()
	sized := false
	switch fe.Kind() {
	case reflect.String, reflect.Slice, reflect.Map:
		sized = true
	}
	if secret {
		sized = true // a Secret is checked as its string
	}
	got := ""
	if !secret && fe.Kind() != reflect.Slice && fe.Kind() != reflect.Map {
		got = fmt.Sprintf(", got %q", display(reflect.ValueOf(fe.Value())))
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "required_if", "required_unless", "required_with", "required_without":
		cond := humanCond(fe.Tag(), param, root, fe.StructNamespace())
		return "is required " + cond
	case "oneof":
		return "must be one of " + strings.Join(strings.Fields(param), ", ") + got
	case "min", "gte":
		if sized {
			return fmt.Sprintf("must be at least %s characters or items long", param)
		}
		return "must be at least " + param + got
	case "max", "lte":
		if sized {
			return fmt.Sprintf("must be at most %s characters or items long", param)
		}
		return "must be at most " + param + got
	case "gt":
		return "must be more than " + param + got
	case "lt":
		return "must be less than " + param + got
	case "ltefield", "ltfield", "gtefield", "gtfield":
		return fmt.Sprintf("must be %s %s%s", map[string]string{
			"ltefield": "at most", "ltfield": "less than", "gtefield": "at least", "gtfield": "more than",
		}[fe.Tag()], yamlField(root, fe.StructNamespace(), param), got)
	case "url", "http_url":
		return "must be a URL such as https://host/path" + got
	case "hostname_port":
		return "must be host:port, such as :8080 or 0.0.0.0:8080" + got
	case "timezone":
		return "must be an IANA time zone such as Europe/Berlin" + got
	}
	return "fails the rule" + got
}

// humanCond renders a conditional rule's parameter ("Driver postgres") with
// yaml key names ("when driver is postgres").
func humanCond(tag, param string, root reflect.Type, structNS string) string {
	f := strings.Fields(param)
	switch tag {
	case "required_if", "required_unless":
		var parts []string
		for i := 0; i+1 < len(f); i += 2 {
			parts = append(parts, fmt.Sprintf("%s is %s", yamlField(root, structNS, f[i]), f[i+1]))
		}
		word := "when "
		if tag == "required_unless" {
			word = "unless "
		}
		return word + strings.Join(parts, " and ")
	case "required_with":
		return "when " + yamlField(root, structNS, param) + " is set"
	}
	return "when " + yamlField(root, structNS, param) + " is not set"
}

// yamlField returns the yaml key of the sibling Go field goName of the field
// at structNS (Shared.Database.Host) below root.
func yamlField(root reflect.Type, structNS, goName string) string {
	parts := nsPath(structNS)
	t := root
	for _, p := range parts[1 : len(parts)-1] {
		for t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return goName
		}
		f, ok := t.FieldByName(p)
		if !ok {
			// a map key or list index: step into the element type
			continue
		}
		t = f.Type
	}
	for t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		if f, ok := t.FieldByName(goName); ok {
			if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
				return name
			}
			return strings.ToLower(goName)
		}
	}
	return goName
}
