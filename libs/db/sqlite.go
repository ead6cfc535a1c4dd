package db

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// openSQLite opens the file with WAL, a busy timeout and foreign keys on.
// Transactions take the write lock at BEGIN (BEGIN IMMEDIATE), so two
// writers queue on the busy timeout instead of failing on lock upgrade.
func (d *DB) openSQLite() error {
	if d.cfg.Path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(d.cfg.Path), 0o755); err != nil {
			return fmt.Errorf("create folder of sqlite database %s: %w", d.cfg.Name, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", d.cfg.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if d.cfg.Path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	dsn := "file:" + d.cfg.Path + "?" + q.Encode()
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("open sqlite database %s: %w", d.cfg.Name, err)
	}
	sqldb.SetMaxOpenConns(int(d.cfg.MaxConns))
	sqldb.SetMaxIdleConns(int(d.cfg.MaxConns))
	if d.cfg.MaxConnLifetime > 0 {
		sqldb.SetConnMaxLifetime(d.cfg.MaxConnLifetime)
	}
	if d.cfg.MaxConnIdleTime > 0 {
		sqldb.SetConnMaxIdleTime(d.cfg.MaxConnIdleTime)
	}
	d.sql = sqldb
	d.bun = bun.NewDB(sqldb, sqlitedialect.New()).WithQueryHook(d.obs)
	return nil
}
