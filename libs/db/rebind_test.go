package db_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/db"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		drv  db.Driver
		in   string
		want string
	}{
		{"postgres numbers in order", db.Postgres, "SELECT a FROM t WHERE x = ? AND y IN (?, ?)", "SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)"},
		{"postgres ten and more", db.Postgres, "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
		{"postgres literal kept", db.Postgres, "SELECT '?', 'it''s ?' FROM t WHERE x = ?", "SELECT '?', 'it''s ?' FROM t WHERE x = $1"},
		{"postgres identifier kept", db.Postgres, `SELECT "a?" FROM t WHERE x = ?`, `SELECT "a?" FROM t WHERE x = $1`},
		{"postgres no placeholder", db.Postgres, "SELECT 1", "SELECT 1"},
		{"sqlite unchanged", db.SQLite, "SELECT a FROM t WHERE x = ? AND y = ?", "SELECT a FROM t WHERE x = ? AND y = ?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.drv.Rebind(tt.in)); diff != "" {
				t.Errorf("Rebind(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
