package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/libs/testenv"
)

// configWorkspace is a workspace with a copy of the repository's config/
// (committed files, plus the local secrets file from its example) and the
// components the config commands work on: orders-api with its SQLite
// migrations, and pricing. edits replace old by new in config/local.yaml.
func configWorkspace(t *testing.T, edits ...string) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	files := map[string]string{
		"mono.yaml":                   read("mono.yaml"),
		"go.mod":                      "module example.com/acme\n\ngo 1.26\n",
		"services/orders-api/main.go": "package main\n\nfunc main() {}\n",
		"services/pricing/main.go":    "package main\n\nfunc main() {}\n",
		"config/secrets.local.yaml":   read("config/secrets.local.example.yaml"),
	}
	migrations, err := filepath.Glob(filepath.Join(root, "services/orders-api/migrations/sqlite/*.sql"))
	if err != nil || len(migrations) == 0 {
		t.Fatalf("orders-api migrations: %v", err)
	}
	for _, m := range migrations {
		rel, _ := filepath.Rel(root, m)
		files[filepath.ToSlash(rel)] = read(rel)
	}
	entries, err := os.ReadDir(filepath.Join(root, "config"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && e.Name() != "secrets.local.yaml" && e.Name() != "local.override.yaml" {
			files["config/"+e.Name()] = read("config/" + e.Name())
		}
	}
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(files["config/local.yaml"], edits[i]) {
			t.Fatalf("config/local.yaml has no %q", edits[i])
		}
		files["config/local.yaml"] = strings.Replace(files["config/local.yaml"], edits[i], edits[i+1], 1)
	}
	dir := t.TempDir()
	fixture.Write(t, dir, files)
	return dir
}

// TestConfigErrorExitCodes plants each kind of configuration error in a
// copy of config/ and runs, in-process, every command that loads the
// configuration: each gives the same exit code (the one mapping of
// docs/mono.md) and names the problem.
func TestConfigErrorExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edits []string
		vars  []string
		code  int
		want  string
	}{
		{"malformed (ErrSyntax)", []string{"  log:\n", "  log: [\n"}, nil, cli.ExitConfig, "config/local.yaml:"},
		{"unknown key (ErrUnknownKey)", []string{"max_conns: 4", "max_con: 4"}, nil, cli.ExitConfig,
			`shared.database.max_con: unknown key "max_con" (did you mean "max_conns"?)`},
		{"unknown section (ErrUnknownKey)", []string{"\npricing:", "\npricingg:"}, nil, cli.ExitConfig, `unknown section "pricingg"`},
		{"wrong type (ErrType)", []string{"max_conns: 4", "max_conns: four"}, nil, cli.ExitConfig, `shared.database.max_conns: expected an integer`},
		{"invalid value (ErrInvalid)", []string{"level: debug", "level: loud"}, nil, cli.ExitFailed, "shared.log.level: must be one of"},
		{"variable breaks a rule (ErrInvalid)", nil, []string{"SHARED__DATABASE__MAX_CONNS=0"}, cli.ExitFailed, "SHARED__DATABASE__MAX_CONNS"},
		{"reference not found (ErrNotFound)", []string{"max_conns: 4", "max_conns: 4\n    password: secret://orders-db#nope"}, nil, cli.ExitFailed, "shared.database.password"},
		{"unknown environment (ErrUnknownEnv)", nil, []string{"ENV=bogus"}, cli.ExitUsage, `unknown environment "bogus"`},
	}
	commands := map[string][]string{
		"config validate":   {"config", "validate"},
		"config show":       {"config", "show", "--resolve"},
		"db migrate status": {"db", "migrate", "status", "-c", "orders-api"},
		"dev":               {"dev", "--no-watch", "--no-seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := configWorkspace(t, tt.edits...)
			for name, args := range commands {
				if name == "dev" && tt.code == cli.ExitUsage {
					continue // mono dev always runs local
				}
				if name == "dev" {
					args = append(args, "--dir", t.TempDir())
				}
				code, out, errOut := runEnv(t, dir, tt.vars, args...)
				if code != tt.code || !strings.Contains(errOut, tt.want) {
					t.Errorf("mono %s: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", name, code, tt.code, tt.want, out, errOut)
				}
			}
		})
	}
}

// TestConfigRefusedInProd: the local secrets file is refused in prod, by
// every command, with the same code.
func TestConfigRefusedInProd(t *testing.T) {
	t.Parallel()
	dir := configWorkspace(t)
	vars := []string{"SHARED__SECRETS__PROVIDER=file", "SHARED__SECRETS__FILE=secrets.local.yaml"}
	for _, args := range [][]string{
		{"config", "validate", "--env", "prod"},
		{"db", "migrate", "status", "-c", "orders-api", "--env", "prod"},
	} {
		code, _, errOut := runEnv(t, dir, vars, args...)
		if code != cli.ExitFailed || !strings.Contains(errOut, "prod") {
			t.Errorf("mono %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, errOut)
		}
	}
}
