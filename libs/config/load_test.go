package config_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/config"
)

type store struct {
	Type   string `yaml:"type" validate:"oneof=local s3"`
	Bucket string `yaml:"bucket" validate:"required_if=Type s3"`
}

type db struct {
	MaxConns int `yaml:"max_conns" validate:"max=100"`
	MinConns int `yaml:"min_conns" validate:"ltefield=MaxConns"`
}

// app is the section the tests decode.
type app struct {
	Name     string           `yaml:"name"`
	Port     int              `yaml:"port" validate:"min=1,max=65535"`
	Timeout  time.Duration    `yaml:"timeout" validate:"min=1s"`
	Password config.Secret    `yaml:"password"`
	Tags     []string         `yaml:"tags"`
	Mode     string           `yaml:"mode" validate:"oneof=fast safe"`
	URL      string           `yaml:"url" validate:"omitempty,url"`
	Listen   string           `yaml:"listen" validate:"omitempty,hostname_port"`
	DB       db               `yaml:"db"`
	Stores   map[string]store `yaml:"stores" validate:"dive"`
	Ratio    float64          `yaml:"ratio" validate:"min=0,max=1"`
	Enabled  bool             `yaml:"enabled"`
}

func defaults() app {
	return app{Name: "def", Port: 80, Timeout: 5 * time.Second, Mode: "fast", DB: db{MaxConns: 10}}
}

var testSections = []string{"shared", "my-app"}

// fsOf makes a configuration folder; a file named "" is left out.
func fsOf(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	if _, ok := files["base.yaml"]; !ok {
		m["base.yaml"] = &fstest.MapFile{Data: nil}
	}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func opts(files map[string]string, env string, environ ...string) config.Options {
	return config.Options{FS: fsOf(files), Dir: "config", Env: env, Environ: environ, Sections: testSections}
}

// decodeApp loads and decodes my-app, resolving references.
func decodeApp(t *testing.T, o config.Options) (app, *config.Section, error) {
	t.Helper()
	a := defaults()
	set, err := config.Load(o)
	if err != nil {
		return a, nil, err
	}
	sec, err := set.Decode(context.Background(), "my-app", &a)
	return a, sec, err
}

// got is what the tests compare about one key.
type got struct {
	Value string
	Where string
	Layer config.Layer
	Ref   string
}

func entryOf(t *testing.T, sec *config.Section, key string) got {
	t.Helper()
	e, ok := sec.Entry(key)
	if !ok {
		t.Fatalf("no entry %s", key)
	}
	return got{Value: e.Value, Where: e.Origin.Where(), Layer: e.Origin.Layer, Ref: e.Origin.Ref}
}

func TestMergeOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		env     string
		environ []string
		key     string
		want    got
	}{
		{"default", nil, "dev", nil, "my-app.name",
			got{"def", "", config.LayerDefault, ""}},
		{"base", map[string]string{"base.yaml": "my-app:\n  name: b\n"}, "dev", nil, "my-app.name",
			got{"b", "config/base.yaml:2", config.LayerBase, ""}},
		{"env file over base", map[string]string{"base.yaml": "my-app:\n  name: b\n", "dev.yaml": "\nmy-app:\n  name: d\n"}, "dev", nil, "my-app.name",
			got{"d", "config/dev.yaml:3", config.LayerEnv, ""}},
		{"another env's file is not read", map[string]string{"base.yaml": "my-app:\n  name: b\n", "staging.yaml": "my-app:\n  name: s\n"}, "dev", nil, "my-app.name",
			got{"b", "config/base.yaml:2", config.LayerBase, ""}},
		{"override over env file in local", map[string]string{"local.yaml": "my-app:\n  name: l\n", "local.override.yaml": "my-app:\n  name: o\n"}, "", nil, "my-app.name",
			got{"o", "config/local.override.yaml:2", config.LayerOverride, ""}},
		{"override ignored outside local", map[string]string{"dev.yaml": "my-app:\n  name: d\n", "local.override.yaml": "my-app:\n  name: o\n"}, "dev", nil, "my-app.name",
			got{"d", "config/dev.yaml:2", config.LayerEnv, ""}},
		{"variable over files", map[string]string{"dev.yaml": "my-app:\n  name: d\n"}, "dev", []string{"MY_APP__NAME=v"}, "my-app.name",
			got{"v", "env MY_APP__NAME", config.LayerVar, ""}},
		{"reference over variable", map[string]string{"name.txt": "from-file\n"}, "dev", []string{"MY_APP__NAME=file://name.txt"}, "my-app.name",
			got{"from-file", "env MY_APP__NAME", config.LayerRef, "file://name.txt"}},
		{"reference in a file", map[string]string{"name.txt": "f", "dev.yaml": "my-app:\n  name: file://name.txt\n"}, "dev", nil, "my-app.name",
			got{"f", "config/dev.yaml:2", config.LayerRef, "file://name.txt"}},
		{"null keeps the lower layer", map[string]string{"base.yaml": "my-app:\n  name: b\n", "dev.yaml": "my-app:\n  name:\n"}, "dev", nil, "my-app.name",
			got{"b", "config/base.yaml:2", config.LayerBase, ""}},
		{"empty section keeps the lower layer", map[string]string{"base.yaml": "my-app:\n  name: b\n", "dev.yaml": "my-app:\n"}, "dev", nil, "my-app.name",
			got{"b", "config/base.yaml:2", config.LayerBase, ""}},
		{"mappings merge key by key", map[string]string{"base.yaml": "my-app:\n  db:\n    max_conns: 5\n    min_conns: 1\n", "dev.yaml": "my-app:\n  db:\n    max_conns: 9\n"}, "dev", nil, "my-app.db.min_conns",
			got{"1", "config/base.yaml:4", config.LayerBase, ""}},
		{"lists replace", map[string]string{"base.yaml": "my-app:\n  tags: [a, b]\n", "dev.yaml": "my-app:\n  tags: [c]\n"}, "dev", nil, "my-app.tags",
			got{`["c"]`, "config/dev.yaml:2", config.LayerEnv, ""}},
		{"map entries merge", map[string]string{"base.yaml": "my-app:\n  stores:\n    x: {type: local}\n", "dev.yaml": "my-app:\n  stores:\n    x: {type: s3, bucket: bk}\n"}, "dev", nil, "my-app.stores.x.bucket",
			got{"bk", "config/dev.yaml:3", config.LayerEnv, ""}},
		{"merge keys", map[string]string{"base.yaml": "x: &d {name: anchored, port: 9}\nmy-app:\n  <<: *d\n  port: 10\n"}, "dev", nil, "my-app.name",
			got{"anchored", "config/base.yaml:1", config.LayerBase, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := opts(tt.files, tt.env, tt.environ...)
			if tt.name == "merge keys" {
				o.Sections = append(o.Sections, "x")
			}
			_, sec, err := decodeApp(t, o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, entryOf(t, sec, tt.key)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

func TestVarName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path []string
		want string
	}{
		{[]string{"orders-api", "db", "max_conns"}, "ORDERS_API__DB__MAX_CONNS"},
		{[]string{"shared", "log", "level"}, "SHARED__LOG__LEVEL"},
		{[]string{"shared", "blobs", "sales-exports", "bucket"}, "SHARED__BLOBS__SALES_EXPORTS__BUCKET"},
		{[]string{"sales-dash", "listen"}, "SALES_DASH__LISTEN"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := config.VarName(tt.path...); got != tt.want {
				t.Errorf("VarName(%v) = %s, want %s", tt.path, got, tt.want)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	base := "my-app:\n  stores:\n    sales-exports: {type: local}\n"
	tests := []struct {
		name    string
		environ []string
		check   func(a app) any
		want    any
	}{
		{"integer", []string{"MY_APP__PORT=8080"}, func(a app) any { return a.Port }, 8080},
		{"duration", []string{"MY_APP__TIMEOUT=2m"}, func(a app) any { return a.Timeout }, 2 * time.Minute},
		{"float", []string{"MY_APP__RATIO=0.25"}, func(a app) any { return a.Ratio }, 0.25},
		{"bool", []string{"MY_APP__ENABLED=true"}, func(a app) any { return a.Enabled }, true},
		{"string that looks like a number", []string{"MY_APP__NAME=0123"}, func(a app) any { return a.Name }, "0123"},
		{"comma list", []string{"MY_APP__TAGS=a, b"}, func(a app) any { return a.Tags }, []string{"a", "b"}},
		{"flow list", []string{"MY_APP__TAGS=[x, y]"}, func(a app) any { return a.Tags }, []string{"x", "y"}},
		{"nested key", []string{"MY_APP__DB__MAX_CONNS=7"}, func(a app) any { return a.DB.MaxConns }, 7},
		{"map key with a dash", []string{"MY_APP__STORES__SALES_EXPORTS__BUCKET=bk"}, func(a app) any { return a.Stores["sales-exports"].Bucket }, "bk"},
		{"new map key", []string{"MY_APP__STORES__NEW__TYPE=local"}, func(a app) any { return a.Stores["new"].Type }, "local"},
		{"secret", []string{"MY_APP__PASSWORD=pw"}, func(a app) any { return a.Password.Reveal() }, "pw"},
		{"lower case is not ours", []string{"my_app__port=1"}, func(a app) any { return a.Port }, 80},
		{"other prefixes are not ours", []string{"OTHER__PORT=1", "PATH=/bin", "MY_APP_PORT=1"}, func(a app) any { return a.Port }, 80},
		{"empty is unset", []string{"MY_APP__PORT="}, func(a app) any { return a.Port }, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _, err := decodeApp(t, opts(map[string]string{"base.yaml": base}, "dev", tt.environ...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tt.check(a)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dev  string
		want string
	}{
		{"max", "my-app:\n  port: 70000\n", `config/dev.yaml:2: my-app.port: must be at most 65535, got "70000" (rule max=65535)`},
		{"min", "my-app:\n  port: 0\n", `config/dev.yaml:2: my-app.port: must be at least 1, got "0" (rule min=1)`},
		{"one of", "my-app:\n  mode: slow\n", `config/dev.yaml:2: my-app.mode: must be one of fast, safe, got "slow" (rule oneof=fast safe)`},
		{"url", "my-app:\n  url: not a url\n", `config/dev.yaml:2: my-app.url: must be a URL such as https://host/path, got "not a url" (rule url)`},
		{"duration", "my-app:\n  timeout: 10ms\n", `config/dev.yaml:2: my-app.timeout: must be at least 1s, got "10ms" (rule min=1s)`},
		{"host and port", "my-app:\n  listen: nowhere\n", `config/dev.yaml:2: my-app.listen: must be host:port, such as :8080 or 0.0.0.0:8080, got "nowhere" (rule hostname_port)`},
		{"field comparison", "my-app:\n  db:\n    min_conns: 20\n", `config/dev.yaml:3: my-app.db.min_conns: must be at most max_conns, got "20" (rule ltefield=MaxConns)`},
		{"required if, in a map", "my-app:\n  stores:\n    x:\n      type: s3\n",
			`my-app.stores.x.bucket: is required when type is s3; set it in config/base.yaml or config/dev.yaml, or with MY_APP__STORES__X__BUCKET (rule required_if=Type s3)`},
		{"no literal secret in a committed file", "my-app:\n  password: " + plant + "\n",
			`config/dev.yaml:2: my-app.password: a secret must not be written into a committed file in dev: use secret://<name>#<key> or file://<path> (rule no-literal-secret)`},
		{"secret reference into a plain key", "my-app:\n  name: secret://db#password\n",
			`config/dev.yaml:2: my-app.name: secret:// references fill only secret keys (declare the key as config.Secret)`},
		{"reference into an integer", "my-app:\n  port: ssm:///acme/dev/port\n",
			`config/dev.yaml:2: my-app.port: expected an integer, got the reference "ssm:///acme/dev/port": references fill only string and secret keys`},
		{"bad reference", "my-app:\n  name: ssm://\n",
			`config/dev.yaml:2: my-app.name: reference "ssm://": want ssm://<path>, such as ssm:///acme/dev/s3/exports-bucket`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := decodeApp(t, opts(map[string]string{"dev.yaml": tt.dev}, "dev"))
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if strings.Contains(err.Error(), plant) {
				t.Errorf("error holds the secret")
			}
		})
	}
}

func TestLiteralSecretAllowedInLocalAndFromVariables(t *testing.T) {
	t.Parallel()
	for _, o := range []config.Options{
		opts(map[string]string{"local.yaml": "my-app:\n  password: pw\n"}, "local"),
		opts(nil, "prod", "MY_APP__PASSWORD=pw"),
	} {
		a, _, err := decodeApp(t, o)
		if err != nil {
			t.Fatalf("%s: %v", o.Env, err)
		}
		if a.Password.Reveal() != "pw" {
			t.Errorf("%s: password not set", o.Env)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	// Each level holds ten aliases of the one before: a million values.
	bomb := "a: &a {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}\n"
	for i, name := range []string{"b", "c", "d", "e", "f"} {
		prev := string(rune('a' + i))
		bomb += name + ": &" + name + " {"
		for k := range 10 {
			bomb += fmt.Sprintf("k%d: *%s, ", k, prev)
		}
		bomb += "z: x}\n"
	}
	tests := []struct {
		name    string
		files   map[string]string
		env     string
		environ []string
		kind    error
		want    string // a substring of the error
	}{
		{"malformed YAML", map[string]string{"dev.yaml": "my-app:\n  name: [a\n  port: 1\n"}, "dev", nil,
			config.ErrSyntax, "config/dev.yaml:2: malformed YAML: did not find expected ',' or ']'"},
		{"tab indentation", map[string]string{"base.yaml": "my-app:\n\tname: x\n"}, "dev", nil,
			config.ErrSyntax, "config/base.yaml:2: malformed YAML: found character that cannot start any token"},
		{"wrong type", map[string]string{"dev.yaml": "my-app:\n  port: abc\n"}, "dev", nil,
			config.ErrType, `config/dev.yaml:2: my-app.port: expected an integer, got "abc"`},
		{"wrong duration", map[string]string{"dev.yaml": "my-app:\n  timeout: 30\n"}, "dev", nil,
			config.ErrType, `config/dev.yaml:2: my-app.timeout: expected a duration such as 30s, 5m or 1h30m, got "30"`},
		{"mapping for a string", map[string]string{"dev.yaml": "my-app:\n  name: {a: 1}\n"}, "dev", nil,
			config.ErrType, "config/dev.yaml:2: my-app.name: expected a string, got a mapping"},
		{"string for a mapping", map[string]string{"dev.yaml": "my-app:\n  db: big\n"}, "dev", nil,
			config.ErrType, `config/dev.yaml:2: my-app.db: expected a mapping, got "big"`},
		{"wrong type from a variable", nil, "dev", []string{"MY_APP__PORT=eighty"},
			config.ErrType, `env MY_APP__PORT: my-app.port: expected an integer, got "eighty"`},
		{"unknown key", map[string]string{"dev.yaml": "my-app:\n  naem: x\n"}, "dev", nil,
			config.ErrUnknownKey, `config/dev.yaml:2: my-app.naem: unknown key "naem" (did you mean "name"?)`},
		{"unknown nested key", map[string]string{"dev.yaml": "my-app:\n  db:\n    max_cons: 3\n"}, "dev", nil,
			config.ErrUnknownKey, `config/dev.yaml:3: my-app.db.max_cons: unknown key "max_cons" (did you mean "max_conns"?)`},
		{"unknown key, nothing close", map[string]string{"dev.yaml": "my-app:\n  db:\n    zzzzzzzzzz: 3\n"}, "dev", nil,
			config.ErrUnknownKey, `unknown key "zzzzzzzzzz" (known keys: max_conns, min_conns)`},
		{"unknown key from a variable", nil, "dev", []string{"MY_APP__PROT=1"},
			config.ErrUnknownKey, `env MY_APP__PROT: my-app.prot: unknown key "prot" (did you mean "port", set by MY_APP__PORT?)`},
		{"unknown section", map[string]string{"dev.yaml": "my-ap:\n  name: x\n"}, "dev", nil,
			config.ErrUnknownKey, `config/dev.yaml:1: my-ap: unknown section "my-ap" (did you mean "my-app"?)`},
		{"duplicate key", map[string]string{"dev.yaml": "my-app:\n  name: a\n  name: b\n"}, "dev", nil,
			config.ErrSyntax, `config/dev.yaml:3: duplicate key "name" (first at line 2)`},
		{"top level not a mapping", map[string]string{"dev.yaml": "- a\n"}, "dev", nil,
			config.ErrType, "config/dev.yaml:1: the top level must be a mapping of sections"},
		{"alias bomb", map[string]string{"dev.yaml": bomb}, "dev", nil,
			config.ErrSyntax, "expands to more than"},
		{"unknown environment", nil, "bogus", nil,
			config.ErrUnknownEnv, `unknown environment "bogus": valid environments are local, ci, dev, staging, prod`},
		{"missing secrets file", map[string]string{"local.yaml": "my-app:\n  password: secret://db#password\n"}, "local", nil,
			config.ErrNotFound, "config/secrets.local.yaml does not exist: copy config/secrets.local.example.yaml to it"},
		{"missing secret", map[string]string{"local.yaml": "my-app:\n  password: secret://nope#password\n", "secrets.local.yaml": "db:\n  password: " + plant + "\n"}, "local", nil,
			config.ErrUnresolved, `config/local.yaml:2: my-app.password: cannot resolve secret://nope#password: not found: secret "nope" is not in config/secrets.local.yaml`},
		{"missing secret key", map[string]string{"local.yaml": "my-app:\n  password: secret://db#pasword\n", "secrets.local.yaml": "db:\n  password: " + plant + "\n"}, "local", nil,
			config.ErrNotFound, `secret db has no key "pasword" (did you mean "password"?)`},
		{"missing file reference", map[string]string{"local.yaml": "my-app:\n  password: file:///nonexistent/pw\n"}, "local", nil,
			config.ErrNotFound, "file /nonexistent/pw does not exist"},
		{"prod refuses the secrets file", map[string]string{"prod.yaml": "shared:\n  secrets:\n    provider: file\nmy-app:\n  password: secret://db#password\n", "secrets.local.yaml": "db:\n  password: " + plant + "\n"}, "prod", nil,
			config.ErrRefused, "the local secrets file is not allowed in prod (shared.secrets.provider: file, config/prod.yaml:3)"},
		{"unknown secret provider", map[string]string{"dev.yaml": "shared:\n  secrets:\n    provider: vault\nmy-app:\n  password: secret://db#password\n"}, "dev", nil,
			config.ErrInvalid, `shared.secrets.provider "vault" (config/dev.yaml:3): use aws or file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := decodeApp(t, opts(tt.files, tt.env, tt.environ...))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error is not %v: %v", tt.kind, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tt.want)
			}
			if strings.Contains(err.Error(), plant) {
				t.Errorf("error holds the secret")
			}
		})
	}
}

func TestOriginString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o    config.Origin
		want string
	}{
		{config.Origin{}, "default"},
		{config.Origin{Layer: config.LayerBase, File: "config/base.yaml", Line: 3}, "config/base.yaml:3"},
		{config.Origin{Layer: config.LayerVar, Var: "SHARED__LOG__LEVEL"}, "env SHARED__LOG__LEVEL"},
		{config.Origin{Layer: config.LayerEnv, File: "config/dev.yaml", Line: 9, Ref: "secret://db#password"}, "secret://db#password (not resolved, config/dev.yaml:9)"},
		{config.Origin{Layer: config.LayerRef, File: "config/dev.yaml", Line: 9, Ref: "secret://db#password", Resolved: true, Version: "v2"}, "secret://db#password (version v2, config/dev.yaml:9)"},
		{config.Origin{Layer: config.LayerRef, Var: "X__Y", Ref: "file:///run/y", Resolved: true}, "file:///run/y (env X__Y)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.o.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShowWithoutResolving(t *testing.T) {
	t.Parallel()
	set, err := config.Load(opts(map[string]string{"prod.yaml": "shared:\n  secrets:\n    provider: aws\nmy-app:\n  password: secret://db#password\n  name: ssm:///acme/prod/name\n  port: 0\n"}, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	a := defaults()
	sec, err := set.DecodeUnresolved("my-app", &a)
	if err != nil {
		t.Fatalf("DecodeUnresolved checks no rules and resolves nothing: %v", err)
	}
	want := map[string]got{
		"my-app.password": {config.Redacted, "config/prod.yaml:5", config.LayerEnv, "secret://db#password"},
		"my-app.name":     {"ssm:///acme/prod/name", "config/prod.yaml:6", config.LayerEnv, "ssm:///acme/prod/name"},
	}
	for key, w := range want {
		if diff := cmp.Diff(w, entryOf(t, sec, key)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", key, diff)
		}
	}
}
