package db

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Driver names a database engine.
type Driver string

// The drivers libs/db supports.
const (
	// Postgres is PostgreSQL through pgx (RDS in the cloud environments).
	Postgres Driver = "postgres"
	// SQLite is the pure-Go SQLite of modernc.org/sqlite (the local environment).
	SQLite Driver = "sqlite"
)

// Statement cache modes of PostgreSQL (see pgx.QueryExecMode). The default
// prepares each distinct statement once per connection and reuses it.
const (
	CacheStatement = "cache_statement"
	CacheDescribe  = "cache_describe"
	DescribeExec   = "describe_exec"
	Exec           = "exec"
	SimpleProtocol = "simple_protocol"
)

// Config describes one database and its pool. libs/config embeds or maps its
// database section onto it; the caller resolves secret references before
// calling Open, so Password holds the plain value (never printed: see
// LogValue and String).
type Config struct {
	// Name is the logical database name ("orders"): the metrics label and
	// the name in error messages.
	Name string `yaml:"name" json:"name"`
	// Driver is postgres or sqlite.
	Driver Driver `yaml:"driver" json:"driver"`

	// Path is the SQLite file (":memory:" for a private in-memory database).
	Path string `yaml:"path" json:"path,omitempty"`
	// BusyTimeout is how long SQLite waits for a lock before SQLITE_BUSY.
	BusyTimeout time.Duration `yaml:"busyTimeout" json:"busyTimeout,omitempty"`

	// Host, Port, Database and User address a PostgreSQL server.
	Host     string `yaml:"host" json:"host,omitempty"`
	Port     int    `yaml:"port" json:"port,omitempty"`
	Database string `yaml:"database" json:"database,omitempty"`
	User     string `yaml:"user" json:"user,omitempty"`
	// Password is the resolved password; empty with IAMAuth.
	Password string `yaml:"password" json:"-"`
	// DSN, when set, is a postgres:// URL or key=value string used instead
	// of Host/Port/Database/User. A Password field set here still wins.
	DSN string `yaml:"dsn" json:"-"`
	// Params are extra PostgreSQL run-time parameters (application_name, ...).
	Params map[string]string `yaml:"params" json:"params,omitempty"`
	// SSLMode is disable, allow, prefer, require, verify-ca or verify-full.
	SSLMode string `yaml:"sslMode" json:"sslMode,omitempty"`
	// SSLRootCert is a CA bundle file for verify-ca and verify-full (the RDS bundle).
	SSLRootCert string `yaml:"sslRootCert" json:"sslRootCert,omitempty"`
	// IAMAuth signs a fresh RDS IAM token for every new connection with the
	// default AWS credential chain; it needs Region and TLS.
	IAMAuth bool   `yaml:"iamAuth" json:"iamAuth,omitempty"`
	Region  string `yaml:"region" json:"region,omitempty"`

	// MaxConns and MinConns size the pool.
	MaxConns int32 `yaml:"maxConns" json:"maxConns,omitempty"`
	MinConns int32 `yaml:"minConns" json:"minConns,omitempty"`
	// MaxConnLifetime and MaxConnIdleTime recycle connections (0: defaults).
	MaxConnLifetime time.Duration `yaml:"maxConnLifetime" json:"maxConnLifetime,omitempty"`
	MaxConnIdleTime time.Duration `yaml:"maxConnIdleTime" json:"maxConnIdleTime,omitempty"`
	// ConnectTimeout bounds one connection attempt.
	ConnectTimeout time.Duration `yaml:"connectTimeout" json:"connectTimeout,omitempty"`
	// ConnectAttempts is how often Open tries to reach the database, with
	// exponential backoff between tries, before it gives up.
	ConnectAttempts int `yaml:"connectAttempts" json:"connectAttempts,omitempty"`
	// QueryTimeout is the deadline given to a statement (and to waiting for
	// a pooled connection) whose context has none.
	QueryTimeout time.Duration `yaml:"queryTimeout" json:"queryTimeout,omitempty"`
	// StatementCache is one of cache_statement (default), cache_describe,
	// describe_exec, exec or simple_protocol (for PgBouncer in transaction mode).
	StatementCache string `yaml:"statementCache" json:"statementCache,omitempty"`
	// StatementCacheCapacity is the per-connection cache size (0: pgx default 512).
	StatementCacheCapacity int `yaml:"statementCacheCapacity" json:"statementCacheCapacity,omitempty"`
	// SlowQuery is the duration from which a statement is logged; negative disables.
	SlowQuery time.Duration `yaml:"slowQuery" json:"slowQuery,omitempty"`
	// TxAttempts bounds the tries of a transaction that fails on a
	// serialization failure, deadlock or busy database.
	TxAttempts int `yaml:"txAttempts" json:"txAttempts,omitempty"`
}

// WithDefaults returns c with every unset field given its default.
func (c Config) WithDefaults() Config {
	if c.Name == "" {
		c.Name = c.Database
		if c.Name == "" {
			c.Name = "default"
		}
	}
	if c.Port == 0 {
		c.Port = 5432
	}
	if c.SSLMode == "" {
		c.SSLMode = "prefer"
		if c.IAMAuth {
			c.SSLMode = "require"
		}
	}
	if c.MaxConns == 0 {
		c.MaxConns = 10
		if c.Driver == SQLite {
			c.MaxConns = 4
		}
	}
	if c.Driver == SQLite && (c.Path == ":memory:" || c.Path == "") {
		c.MaxConns = 1 // every connection would get its own empty database
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = 5 * time.Second
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 5 * time.Second
	}
	if c.ConnectAttempts == 0 {
		c.ConnectAttempts = 5
	}
	if c.QueryTimeout == 0 {
		c.QueryTimeout = 30 * time.Second
	}
	if c.StatementCache == "" {
		c.StatementCache = CacheStatement
	}
	if c.SlowQuery == 0 {
		c.SlowQuery = 200 * time.Millisecond
	}
	if c.TxAttempts == 0 {
		c.TxAttempts = 10
	}
	return c
}

// Validate reports the first setting Open cannot work with.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: database %q: %s", ErrInvalidConfig, c.Name, fmt.Sprintf(format, args...))
	}
	switch c.Driver {
	case SQLite:
		if c.Path == "" {
			return bad("sqlite needs path (a file, or :memory:)")
		}
	case Postgres:
		if c.DSN == "" && (c.Host == "" || c.Database == "" || c.User == "") {
			return bad("postgres needs host, database and user (or dsn)")
		}
		if c.IAMAuth && c.Region == "" {
			return bad("iamAuth needs region")
		}
		if c.IAMAuth && (c.SSLMode == "disable" || c.SSLMode == "allow") {
			return bad("iamAuth needs TLS: sslMode %q", c.SSLMode)
		}
		switch c.SSLMode {
		case "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
		default:
			return bad("unknown sslMode %q (disable, allow, prefer, require, verify-ca, verify-full)", c.SSLMode)
		}
		switch c.StatementCache {
		case CacheStatement, CacheDescribe, DescribeExec, Exec, SimpleProtocol:
		default:
			return bad("unknown statementCache %q (%s)", c.StatementCache, strings.Join([]string{CacheStatement, CacheDescribe, DescribeExec, Exec, SimpleProtocol}, ", "))
		}
	case "":
		return bad("driver is not set (postgres or sqlite)")
	default:
		return bad("unknown driver %q (postgres or sqlite)", c.Driver)
	}
	if c.MinConns < 0 || c.MaxConns < 1 || c.MinConns > c.MaxConns {
		return bad("pool sizes: need 0 <= minConns <= maxConns and maxConns >= 1, got %d and %d", c.MinConns, c.MaxConns)
	}
	if c.ConnectAttempts < 1 || c.TxAttempts < 1 {
		return bad("connectAttempts and txAttempts must be at least 1")
	}
	return nil
}

// String describes the database without its password.
func (c Config) String() string { return c.Name + " (" + c.Target() + ")" }

// Target says where the database is, without the password: "sqlite <path>"
// or "postgres <user>@<host>:<port>/<database>".
func (c Config) Target() string {
	switch {
	case c.Driver == SQLite:
		return "sqlite " + c.Path
	case c.DSN != "":
		return "postgres, dsn [redacted]"
	}
	return fmt.Sprintf("postgres %s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// LogValue keeps the password and DSN out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.StringValue(c.String())
}
