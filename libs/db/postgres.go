package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// openPostgres builds the pgx pool and the database/sql and bun handles over it.
func (d *DB) openPostgres(ctx context.Context) error {
	pc, err := poolConfig(d.cfg)
	if err != nil {
		return err
	}
	pc.ConnConfig.Tracer = d.obs
	if d.cfg.IAMAuth {
		token, err := iamTokenFunc(ctx, d.cfg)
		if err != nil {
			return err
		}
		pc.BeforeConnect = iamBeforeConnect(d.cfg.Name, token)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("create pool for %s: %w", d.cfg, err)
	}
	d.pool = pool
	d.sql = sql.OpenDB(&connector{inner: stdlib.GetPoolConnector(pool), timeout: d.cfg.QueryTimeout})
	d.sql.SetMaxIdleConns(0) // pgxpool keeps the idle connections
	d.bun = bun.NewDB(d.sql, pgdialect.New())
	return nil
}

// poolConfig turns cfg into a pgxpool config. The password never passes
// through a connection string, so no parse error can show it.
func poolConfig(cfg Config) (*pgxpool.Config, error) {
	var dsn string
	if cfg.DSN != "" {
		dsn = cfg.DSN
	} else {
		kv := map[string]string{
			"host": cfg.Host, "port": strconv.Itoa(cfg.Port), "dbname": cfg.Database, "user": cfg.User,
			"sslmode": cfg.SSLMode,
		}
		if cfg.SSLRootCert != "" {
			kv["sslrootcert"] = cfg.SSLRootCert
		}
		dsn = keyValues(kv)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords only on a best-effort basis; say nothing
		// about the string itself.
		var pce *pgconn.ParseConfigError
		if errors.As(err, &pce) {
			return nil, fmt.Errorf("%w: database %q: malformed DSN (not shown: it may contain the password)", ErrInvalidConfig, cfg.Name)
		}
		return nil, fmt.Errorf("%w: database %q: %w", ErrInvalidConfig, cfg.Name, redactErr(err, cfg))
	}
	if cfg.Password != "" {
		pc.ConnConfig.Password = cfg.Password
	}
	for k, v := range cfg.Params {
		pc.ConnConfig.RuntimeParams[k] = v
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = cfg.Name
	}
	pc.MaxConns = cfg.MaxConns
	pc.MinConns = cfg.MinConns
	if cfg.MaxConnLifetime > 0 {
		pc.MaxConnLifetime = cfg.MaxConnLifetime
	}
	if cfg.MaxConnIdleTime > 0 {
		pc.MaxConnIdleTime = cfg.MaxConnIdleTime
	}
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	if cfg.StatementCacheCapacity > 0 {
		pc.ConnConfig.StatementCacheCapacity = cfg.StatementCacheCapacity
		pc.ConnConfig.DescriptionCacheCapacity = cfg.StatementCacheCapacity
	}
	switch cfg.StatementCache {
	case CacheStatement:
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	case CacheDescribe:
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	case DescribeExec:
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	case Exec:
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	case SimpleProtocol:
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	return pc, nil
}

// keyValues renders a libpq key=value connection string with quoted values.
func keyValues(kv map[string]string) string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(kv[k])
		fmt.Fprintf(&b, "%s='%s' ", k, v)
	}
	return strings.TrimSpace(b.String())
}

// iamBeforeConnect signs a token as the password of each new connection: a
// token lives 15 minutes, a pooled connection much longer.
func iamBeforeConnect(name string, token func(ctx context.Context, endpoint, user string) (string, error)) func(context.Context, *pgx.ConnConfig) error {
	return func(ctx context.Context, cc *pgx.ConnConfig) error {
		tok, err := token(ctx, net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))), cc.User)
		if err != nil {
			return fmt.Errorf("sign RDS IAM token for %s: %w", name, err)
		}
		cc.Password = tok
		return nil
	}
}

// iamTokenFunc loads the default AWS credential chain once and returns a
// function that signs an RDS IAM auth token.
func iamTokenFunc(ctx context.Context, cfg Config) (func(ctx context.Context, endpoint, user string) (string, error), error) {
	ac, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials for RDS IAM auth of %s: %w", cfg.Name, err)
	}
	var creds aws.CredentialsProvider = ac.Credentials
	return func(ctx context.Context, endpoint, user string) (string, error) {
		return auth.BuildAuthToken(ctx, endpoint, cfg.Region, user, creds)
	}, nil
}

// connector hands database/sql connections borrowed from the pgx pool. Two
// things differ from stdlib's own: waiting for a connection is bounded by
// the query timeout when the context has no deadline, and statements
// without arguments (bun formats its arguments into the SQL text) use the
// simple protocol, so each distinct text is not prepared and cached.
type connector struct {
	inner   driver.Connector
	timeout time.Duration
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		return conn, nil
	}
	return &pgConn{Conn: sc}, nil
}

func (c *connector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a stdlib connection that sends argument-less queries with the
// simple protocol.
type pgConn struct{ *stdlib.Conn }

var simple = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simple
	}
	return c.Conn.QueryContext(ctx, query, args)
}
