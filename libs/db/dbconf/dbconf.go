// Package dbconf maps the database section of libs/config (shared.database)
// onto a libs/db Config, so programs and mono open the same database from
// the same configuration. The keys, their defaults (ssl_mode require, pool
// sizes, timeouts) and their validation are components.Database's; this is
// a plain field-by-field mapping.
package dbconf

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
)

// FromShared returns the db.Config of the shared database section, named
// name (the metrics label). A relative SQLite path is taken from baseDir
// (the repository root for mono; the working folder of a program).
func FromShared(name string, s components.Shared, baseDir string) (db.Config, error) {
	c := s.Database
	cfg := pool(name, c)
	switch c.Driver {
	case "sqlite":
		path, err := SQLitePath(c.DSN.Reveal())
		if err != nil {
			return db.Config{}, err
		}
		if path != ":memory:" && !filepath.IsAbs(path) {
			path = filepath.Join(baseDir, path)
		}
		cfg.Driver, cfg.Path, cfg.MinConns = db.SQLite, path, 0
	case "postgres":
		cfg.Driver = db.Postgres
		cfg.Host, cfg.Port, cfg.Database, cfg.User = c.Host, c.Port, c.Name, c.User
		cfg.Password = c.Password.Reveal()
		cfg.DSN = c.DSN.Reveal()
		cfg.SSLMode = c.SSLMode
		cfg.IAMAuth = c.IAMAuth
		cfg.Region = s.AWS.Region
	default:
		return db.Config{}, fmt.Errorf("%w: shared.database.driver %q (sqlite or postgres)", db.ErrInvalidConfig, c.Driver)
	}
	return cfg, nil
}

// SQLite returns the db.Config of the SQLite file path (or ":memory:")
// with the pool and timeouts of shared.database's defaults: for tests and
// tools that open a file without loading a configuration.
func SQLite(name, path string) db.Config {
	cfg := pool(name, components.DefaultShared().Database)
	cfg.Driver, cfg.Path, cfg.MinConns = db.SQLite, path, 0
	return cfg
}

// pool maps the settings both drivers share.
func pool(name string, c components.Database) db.Config {
	return db.Config{
		Name:            name,
		MaxConns:        int32(c.MaxConns),
		MinConns:        int32(c.MinConns),
		MaxConnLifetime: c.ConnMaxLifetime,
		ConnectTimeout:  c.ConnectTimeout,
		QueryTimeout:    c.QueryTimeout,
	}
}

// SQLitePath turns a SQLite DSN (a path, or a file: URI whose query is
// ignored: libs/db sets its own pragmas) into a file path.
func SQLitePath(dsn string) (string, error) {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "", fmt.Errorf("%w: shared.database.dsn: no SQLite file in %q", db.ErrInvalidConfig, dsn)
	}
	return p, nil
}
