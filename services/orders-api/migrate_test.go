package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/platform/libs/testenv"
)

func TestCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    string // the function chosen
		wantErr string
	}{
		{nil, "run", ""},
		{[]string{"migrate"}, "migrateUp", ""},
		{[]string{"migrate", "down"}, "", `unknown arguments ["migrate" "down"]`},
		{[]string{"serve"}, "", "orders-api migrate"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			got, err := command(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"run": run, "migrateUp": migrateUp}[tt.want]
			if reflect.ValueOf(got).Pointer() != reflect.ValueOf(want).Pointer() {
				t.Errorf("command(%q) is not %s", tt.args, tt.want)
			}
		})
	}
}

// TestMigrateUp: `orders-api migrate` applies the embedded migrations to the
// configured database (SQLite here), and a second run applies none.
func TestMigrateUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := `
shared:
  log: {level: info, format: json}
  database: {driver: sqlite, dsn: "file:` + filepath.Join(dir, "orders.db") + `"}
orders-api:
  pricing_url: http://127.0.0.1:1
  jwt: {signing_key: ` + testKey + `}
`
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONFIG_DIR": dir, "ENV": "local"}
	for i, want := range []string{`"applied":`, `"applied":0`} {
		logs := &testenv.SyncBuffer{}
		if err := migrateUp(context.Background(), func(k string) string { return env[k] }, nil, logs); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, logs)
		}
		if !strings.Contains(logs.String(), `"msg":"migrated"`) || !strings.Contains(logs.String(), want) {
			t.Errorf("run %d: log lacks %s:\n%s", i+1, want, logs)
		}
		if i == 0 && strings.Contains(logs.String(), `"applied":0`) {
			t.Errorf("the first run applied nothing:\n%s", logs)
		}
	}
}
