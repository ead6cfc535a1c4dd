package devcmd

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAffected(t *testing.T) {
	t.Parallel()
	root := "/repo"
	ws := &watchSet{config: filepath.Join(root, "config"), dirs: map[string][]string{
		"/repo/libs/business/orders":                  {"orders-api"},
		"/repo/libs/server":                           {"pricing", "orders-api"},
		"/repo/services/orders-api/migrations/sqlite": {"orders-api"},
	}}
	tests := []struct {
		file      string
		want      []string
		migration bool
	}{
		{"/repo/libs/server/server.go", []string{"pricing", "orders-api"}, false},
		{"/repo/libs/business/orders/orders.go", []string{"orders-api"}, false},
		{"/repo/libs/business/orders/orders_test.go", nil, false},
		{"/repo/libs/business/orders/.orders.go.swp", nil, false},
		{"/repo/libs/business/orders/orders.go~", nil, false},
		{"/repo/services/orders-api/migrations/sqlite/00002_x.sql", []string{"orders-api"}, true},
		{"/repo/config/local.override.yaml", []string{"*"}, false},
		{"/repo/docs/services.md", nil, false},
	}
	for _, tt := range tests {
		got, migration := ws.affected(tt.file)
		if diff := cmp.Diff(tt.want, got); diff != "" || migration != tt.migration {
			t.Errorf("%s: migration %v (-want +got):\n%s", tt.file, migration, diff)
		}
	}
}

func TestPrefixWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	o := newOutput(&b)
	o.width = 7
	w := o.writer("pricing")
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\nthree"))
	w.Flush()
	want := "pricing | one\npricing | two\npricing | three\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestDevEnviron(t *testing.T) {
	t.Parallel()
	e := &Env{Dir: "/repo/.mono/dev"}
	got := devEnviron([]string{"ENV=prod", "PATH=/bin", "SHARED__DATABASE__DSN=file:mine.db"}, e, "/repo/config")
	for _, want := range []string{"ENV=local", "PATH=/bin", "CONFIG_DIR=/repo/config", "SHARED__DATABASE__DSN=file:mine.db", "SHARED__BLOBS__EXPORTS__DIR=/repo/.mono/dev/blobs/exports"} {
		if !slices.Contains(got, want) {
			t.Errorf("environment lacks %s: %v", want, got)
		}
	}
	got = devEnviron(nil, e, "/repo/config")
	if !slices.Contains(got, "SHARED__DATABASE__DSN=file:/repo/.mono/dev/orders.db") {
		t.Errorf("no dev database: %v", got)
	}
}

func TestDialAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{":8080": "127.0.0.1:8080", "0.0.0.0:1": "127.0.0.1:1", "127.0.0.2:9": "127.0.0.2:9", "[::]:80": "127.0.0.1:80"} {
		if got, err := dialAddr(in); err != nil || got != want {
			t.Errorf("dialAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := dialAddr("8080"); err == nil {
		t.Error("dialAddr(8080) did not fail")
	}
}

func TestProgramsAreOrdered(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, p := range Programs() {
		for _, a := range p.After {
			if !seen[a] {
				t.Errorf("%s starts after %s, which comes later in the list", p.Name, a)
			}
		}
		if p.Listen == nil || (p.Pkg == "" && p.Command == nil) {
			t.Errorf("%s: needs Listen and a Pkg or a Command", p.Name)
		}
		seen[p.Name] = true
	}
	var b bytes.Buffer
	if err := plan(&b, Programs()); err != nil || !strings.Contains(b.String(), "orders-api") {
		t.Errorf("plan: %v %s", err, b.String())
	}
}
