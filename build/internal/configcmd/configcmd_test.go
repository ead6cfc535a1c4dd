package configcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/app"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/configcmd"
	"github.com/acme/platform/libs/testenv"
)

// workspace copies mono.yaml and config/ of the repository into a temporary
// folder, with extra files (relative path -> content) laid over them.
func workspace(t *testing.T, extra map[string]string) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyFile := func(rel string) {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, rel, string(data))
	}
	copyFile("mono.yaml")
	entries, err := os.ReadDir(filepath.Join(root, "config"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		// Only committed files: a developer's own secrets.local.yaml and
		// local.override.yaml stay out of the tests.
		if !e.IsDir() && e.Name() != "secrets.local.yaml" && e.Name() != "local.override.yaml" {
			copyFile(filepath.Join("config", e.Name()))
		}
	}
	for rel, data := range extra {
		write(t, dir, rel, data)
	}
	return dir
}

func write(t *testing.T, dir, rel, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// edit replaces old by new in a file of dir, failing if old is not there.
func edit(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q", rel, old)
	}
	write(t, dir, rel, strings.Replace(string(data), old, new, 1))
}

// lineOf returns the line number of the first line of a file holding s.
func lineOf(t *testing.T, dir, rel, s string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, s) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", rel, s)
	return 0
}

type result struct {
	out, err string
	code     int
}

// run runs `mono config args...` in-process in dir with the environment
// vars as its environment, and prints the
// error once the way app.Main does.
func run(t *testing.T, dir string, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	d := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Dir: dir, Environ: cli.Vars(vars)}
	root := &cobra.Command{Use: "mono", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cli.Exit(cli.ExitUsage, err) })
	root.AddCommand(configcmd.NewCommand(d))
	root.SetArgs(append([]string{"config"}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		fmt.Fprintf(&errOut, "mono: %v\n", err)
	}
	return result{out: out.String(), err: errOut.String(), code: cli.CodeOf(err)}
}

func TestShowEveryEnvironment(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	tests := []struct {
		env  string
		want []string
	}{
		{"local", []string{
			"# env local from config/base.yaml, config/local.yaml; references not resolved",
			"shared.database.driver", "sqlite",
			"orders-api.jwt.signing_key", "[redacted]", "secret://orders-api#jwt_signing_key (not resolved, config/local.yaml:",
		}},
		{"dev", []string{
			"shared.database.iam_auth", "true", "config/dev.yaml:",
			"orders-api.jwt.signing_key", "[redacted]", "secret://orders-api#jwt_signing_key (not resolved, config/dev.yaml:",
			"shared.blobs.exports.bucket", "ssm:///acme/dev/s3/exports/bucket",
			"orders-api.http.listen", ":8080", "config/base.yaml:",
		}},
		{"staging", []string{"shared.secrets.prefix", "acme/staging/"}},
		{"prod", []string{"shared.database.max_conns", "50", "config/prod.yaml:", "shared.secrets.provider", "aws"}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Parallel()
			r := run(t, dir, nil, "show", "--env", tt.env, "--explain")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("show --env %s lacks %q:\n%s", tt.env, w, r.out)
				}
			}
		})
	}
}

func TestShowComponentExplain(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	r := run(t, dir, map[string]string{"ORDERS_API__HTTP__LISTEN": ":9999"}, "show", "--env", "dev", "--component", "orders-api", "--explain")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	line := func(key string) string {
		for _, l := range strings.Split(r.out, "\n") {
			if strings.HasPrefix(l, key+" ") {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		t.Fatalf("no line for %s in\n%s", key, r.out)
		return ""
	}
	devLine := lineOf(t, dir, "config/dev.yaml", "signing_key:")
	want := map[string]string{
		"orders-api.http.listen":     "orders-api.http.listen :9999 variable env ORDERS_API__HTTP__LISTEN",
		"orders-api.jwt.signing_key": fmt.Sprintf("orders-api.jwt.signing_key [redacted] env-file secret://orders-api#jwt_signing_key (not resolved, config/dev.yaml:%d)", devLine),
		"orders-api.jwt.issuer":      fmt.Sprintf("orders-api.jwt.issuer acme-orders base config/base.yaml:%d", lineOf(t, dir, "config/base.yaml", "issuer:")),
		"shared.log.level":           fmt.Sprintf("shared.log.level debug env-file config/dev.yaml:%d", lineOf(t, dir, "config/dev.yaml", "level:")),
		"shared.database.iam_auth":   fmt.Sprintf("shared.database.iam_auth true env-file config/dev.yaml:%d", lineOf(t, dir, "config/dev.yaml", "iam_auth:")),
		"shared.database.port":       "shared.database.port 5432 default",
	}
	for key, w := range want {
		if got := line(key); got != w {
			t.Errorf("got  %s\nwant %s", got, w)
		}
	}
	if strings.Contains(r.out, "pricing.") {
		t.Errorf("--component orders-api shows other sections")
	}
}

func TestShowJSON(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	r := run(t, dir, nil, "show", "--env", "prod", "--component", "sales-dash", "--json", "--explain")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	var doc struct {
		Env     string                        `json:"env"`
		Values  map[string]map[string]any     `json:"values"`
		Entries []struct{ Key, Value string } `json:"entries"`
		Files   []string                      `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	jwt, _ := doc.Values["sales-dash"]["jwt"].(map[string]any)
	if doc.Env != "prod" || jwt["signing_key"] != "[redacted]" || doc.Values["sales-dash"]["orders_api_url"] != "http://orders-api:8080" {
		t.Errorf("unexpected JSON: %+v", doc)
	}
	if len(doc.Entries) == 0 || len(doc.Files) != 2 {
		t.Errorf("--explain JSON lacks entries or files")
	}
}

func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	tests := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want string
	}{
		{"ENV unknown", map[string]string{"ENV": "bogus"}, []string{"show"}, cli.ExitUsage,
			`unknown environment "bogus": valid environments are local, ci, dev, staging, prod`},
		{"--env unknown", nil, []string{"validate", "--env", "qa"}, cli.ExitUsage, `unknown environment "qa"`},
		{"unknown component", nil, []string{"show", "--component", "orders"}, cli.ExitUsage,
			`unknown component "orders": components with configuration are shared, orders-api, pricing, sales-rollup, console, sales-dash`},
		{"diff needs two envs", nil, []string{"diff", "--env", "dev"}, cli.ExitUsage, "give --env twice"},
		{"unknown flag", nil, []string{"show", "--envv", "dev"}, cli.ExitUsage, "unknown flag: --envv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, dir, tt.vars, tt.args...)
			if r.code != tt.code || !strings.Contains(r.err, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d with %q", r.code, r.err, tt.code, tt.want)
			}
			if n := strings.Count(r.err, "mono:"); n != 1 {
				t.Errorf("the error is printed %d times", n)
			}
		})
	}
}

// TestEnvFromProcessThroughMain runs the real entry point: ENV=bogus fails
// with exit code 2 and lists the environments.
func TestEnvFromProcessThroughMain(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	var out, errOut bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Dir: dir,
		Environ: []string{"ENV=bogus"}}
	code := app.Main(context.Background(), []string{"config", "show"}, deps)
	if code != cli.ExitUsage || !strings.Contains(errOut.String(), "valid environments are local, ci, dev, staging, prod") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestValidateTypoInProd plants a typo in a copy of config/prod.yaml:
// validate fails naming the file, the line and the key meant, before any
// reference is resolved (no AWS needed).
func TestValidateTypoInProd(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	edit(t, dir, "config/prod.yaml", "max_conns: 50", "max_con: 50")
	line := lineOf(t, dir, "config/prod.yaml", "max_con: 50")
	r := run(t, dir, nil, "validate", "--env", "prod")
	want := fmt.Sprintf(`config/prod.yaml:%d: shared.database.max_con: unknown key "max_con" (did you mean "max_conns"?)`, line)
	if r.code != cli.ExitConfig || !strings.Contains(r.err, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 3 with\n%s", r.code, r.err, want)
	}
	if strings.Contains(r.err, "cannot resolve") {
		t.Errorf("references were resolved although the file is broken")
	}
}

func TestValidateBadFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new string
		code     int
		want     string
	}{
		{"malformed", "  log:\n", "  log: [\n", cli.ExitConfig, "config/local.yaml:"},
		{"wrong type", "max_conns: 4", "max_conns: four", cli.ExitConfig, `shared.database.max_conns: expected an integer, got "four"`},
		{"unknown section", "orders-api:", "order-api:", cli.ExitConfig, `unknown section "order-api" (did you mean "orders-api"?)`},
		{"invalid value", "level: debug", "level: loud", cli.ExitFailed, `shared.log.level: must be one of debug, info, warn, error, got "loud" (rule oneof=debug info warn error)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := workspace(t, map[string]string{"config/secrets.local.yaml": readRepoFile(t, "config/secrets.local.example.yaml")})
			edit(t, dir, "config/local.yaml", tt.old, tt.new)
			r := run(t, dir, nil, "validate", "--env", "local")
			if r.code != tt.code || !strings.Contains(r.err, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d with %q", r.code, r.err, tt.code, tt.want)
			}
		})
	}
}

func TestValidateLocal(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	r := run(t, dir, nil, "validate")
	if r.code != cli.ExitFailed || !strings.Contains(r.err, "config/secrets.local.yaml does not exist: copy config/secrets.local.example.yaml to it") {
		t.Errorf("without the secrets file: exit %d, stderr:\n%s", r.code, r.err)
	}
	write(t, dir, "config/secrets.local.yaml", readRepoFile(t, "config/secrets.local.example.yaml"))
	r = run(t, dir, nil, "validate")
	if r.code != 0 || !strings.Contains(r.out, "config local: ok (6 sections,") {
		t.Errorf("exit %d, out %q, err %q", r.code, r.out, r.err)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	dir := workspace(t, nil)
	r := run(t, dir, nil, "diff", "--env", "staging", "--env", "prod")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, w := range []string{
		"KEY", "staging", "prod",
		"shared.database.max_conns", "20", "50",
		"shared.secrets.prefix", "acme/staging/", "acme/prod/",
	} {
		if !strings.Contains(r.out, w) {
			t.Errorf("diff lacks %q:\n%s", w, r.out)
		}
	}
	if strings.Contains(r.out, "orders-api.http.listen") {
		t.Errorf("diff shows an equal key:\n%s", r.out)
	}
	r = run(t, dir, nil, "diff", "--env", "local", "--env", "dev", "--component", "orders-api")
	if !strings.Contains(r.out, "shared.database.driver") || !strings.Contains(r.out, "shared.database.iam_auth") {
		t.Errorf("local vs dev:\n%s", r.out)
	}
	r = run(t, dir, nil, "diff", "--env", "prod", "--env", "prod")
	if r.code != 0 || !strings.Contains(r.out, "prod and prod have the same configuration") {
		t.Errorf("prod vs prod: %q %q", r.out, r.err)
	}
}

// TestSchemaInSync generates the JSON Schema and compares it with the
// committed file.
func TestSchemaInSync(t *testing.T) {
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := configcmd.Schema(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "config", filepath.FromSlash(configcmd.SchemaFile)))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("config/%s is stale: run `go run ./build/cmd/mono config schema --write` and commit it", configcmd.SchemaFile)
	}
	var schema map[string]any
	if err := json.Unmarshal(want, &schema); err != nil {
		t.Fatal(err)
	}
	if r := run(t, root, nil, "schema", "--check"); r.code != 0 {
		t.Errorf("schema --check: exit %d: %s", r.code, r.err)
	}
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
