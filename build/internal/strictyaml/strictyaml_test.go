package strictyaml_test

import (
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/strictyaml"
)

type inner struct {
	Port  int    `yaml:"port"`
	Label string `yaml:"label"`
}

type doc struct {
	Name   string           `yaml:"name"`
	Items  []inner          `yaml:"items"`
	ByName map[string]inner `yaml:"byName"`
	Any    map[string]any   `yaml:"any"`
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string // "" means success
	}{
		{"ok", "name: x\nitems:\n  - port: 1\nbyName:\n  a: {port: 2}\nany: {whatever: [1, 2]}\n", ""},
		{"empty", "", ""},
		{"unknown top key", "name: x\nnmae: y\n", `f.yaml:2: unknown key "nmae" (did you mean "name"?)`},
		{"unknown key in list item", "items:\n  - port: 1\n    lable: x\n", `f.yaml:3: unknown key "items[0].lable" (did you mean "label"?)`},
		{"unknown key in map value", "byName:\n  a:\n    prot: 1\n", `f.yaml:3: unknown key "byName.a.prot" (did you mean "port"?)`},
		{"no close key lists known keys", "zzzzzzzz: 1\n", "known keys: any, byName, items, name"},
		{"wrong type", "items:\n  - port: eighty\n", "f.yaml:2: cannot unmarshal !!str `eighty` into int"},
		{"malformed", "name: [x\n", "f.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d doc
			err := strictyaml.Decode("f.yaml", []byte(tt.src), &d)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestKeyLine(t *testing.T) {
	t.Parallel()
	if got := strictyaml.KeyLine([]byte("a: 1\n\nkind: x\n"), "kind"); got != 3 {
		t.Errorf("KeyLine = %d, want 3", got)
	}
	if got := strictyaml.KeyLine([]byte("a: 1\n"), "kind"); got != 0 {
		t.Errorf("KeyLine of a missing key = %d, want 0", got)
	}
}
