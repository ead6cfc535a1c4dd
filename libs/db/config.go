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

// Config describes one database and its pool. It is a plain struct: the
// configuration keys, their defaults and their validation live in
// libs/config/components (shared.database), and libs/db/dbconf maps that
// section onto a Config. Open checks only what it cannot work without. The
// caller resolves secret references before calling Open, so Password holds
// the plain value (never printed: see LogValue and String).
//
// The fields under "Tuning" are not configuration keys: their zero value
// means the documented default.
type Config struct {
	// Name is the logical database name ("orders"): the metrics label and
	// the name in error messages (default: Database, else "default").
	Name string
	// Driver is postgres or sqlite.
	Driver Driver

	// Path is the SQLite file (":memory:" for a private in-memory database).
	Path string

	// Host, Port, Database and User address a PostgreSQL server.
	Host     string
	Port     int
	Database string
	User     string
	// Password is the resolved password; empty with IAMAuth.
	Password string
	// DSN, when set, is a postgres:// URL or key=value string used instead
	// of Host/Port/Database/User/SSLMode. A Password field set here still wins.
	DSN string
	// SSLMode is disable, allow, prefer, require, verify-ca or verify-full;
	// PostgreSQL without a DSN needs it set.
	SSLMode string
	// IAMAuth signs a fresh RDS IAM token for every new connection with the
	// default AWS credential chain; it needs Region and TLS.
	IAMAuth bool
	Region  string

	// MaxConns and MinConns size the pool (MaxConns at least 1; a
	// ":memory:" SQLite database always gets 1).
	MaxConns int32
	MinConns int32
	// MaxConnLifetime recycles connections (0: never).
	MaxConnLifetime time.Duration
	// ConnectTimeout bounds one connection attempt (required).
	ConnectTimeout time.Duration
	// QueryTimeout is the deadline given to a statement (and to waiting for
	// a pooled connection) whose context has none (required).
	QueryTimeout time.Duration

	// Tuning.

	// BusyTimeout is how long SQLite waits for a lock before SQLITE_BUSY (default 5s).
	BusyTimeout time.Duration
	// SSLRootCert is a CA bundle file for verify-ca and verify-full (the RDS bundle).
	SSLRootCert string
	// Params are extra PostgreSQL run-time parameters (application_name, ...).
	Params map[string]string
	// MaxConnIdleTime closes connections idle this long (0: the driver's default).
	MaxConnIdleTime time.Duration
	// ConnectAttempts is how often Open tries to reach the database, with
	// exponential backoff between tries, before it gives up (default 5).
	ConnectAttempts int
	// StatementCache is one of cache_statement (default), cache_describe,
	// describe_exec, exec or simple_protocol (for PgBouncer in transaction mode).
	StatementCache string
	// StatementCacheCapacity is the per-connection cache size (0: pgx default 512).
	StatementCacheCapacity int
	// SlowQuery is the duration from which a statement is logged (default
	// 200ms); negative disables.
	SlowQuery time.Duration
	// TxAttempts bounds the tries of a transaction that fails on a
	// serialization failure, deadlock or busy database (default 10).
	TxAttempts int
}

// withTuning returns c with the tuning fields that are unset given their
// defaults. Configuration fields are taken as given.
func (c Config) withTuning() Config {
	if c.Name == "" {
		c.Name = c.Database
		if c.Name == "" {
			c.Name = "default"
		}
	}
	if c.Driver == SQLite && (c.Path == ":memory:" || c.Path == "") {
		c.MaxConns = 1 // every connection would get its own empty database
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = 5 * time.Second
	}
	if c.ConnectAttempts == 0 {
		c.ConnectAttempts = 5
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

// Validate reports the first setting Open cannot work with. The ranges and
// choices of the configuration keys are checked where they are defined
// (libs/config/components); this checks what Open itself needs.
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
		if c.DSN == "" && (c.Host == "" || c.Port == 0 || c.Database == "" || c.User == "") {
			return bad("postgres needs host, port, database and user (or dsn)")
		}
		if c.DSN == "" && c.SSLMode == "" {
			return bad("postgres needs sslMode (or dsn)")
		}
		if c.IAMAuth && c.Region == "" {
			return bad("iamAuth needs region")
		}
		if c.IAMAuth && (c.SSLMode == "disable" || c.SSLMode == "allow") {
			return bad("iamAuth needs TLS: sslMode %q", c.SSLMode)
		}
		switch c.StatementCache {
		case "", CacheStatement, CacheDescribe, DescribeExec, Exec, SimpleProtocol:
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
	if c.ConnectTimeout <= 0 || c.QueryTimeout <= 0 {
		return bad("connectTimeout and queryTimeout must be set, got %s and %s", c.ConnectTimeout, c.QueryTimeout)
	}
	if c.ConnectAttempts < 0 || c.TxAttempts < 0 {
		return bad("connectAttempts and txAttempts must not be negative")
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
