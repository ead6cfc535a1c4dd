package dbroles

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/acme/platform/libs/db"
)

// rdsIAM is the RDS role whose members log in with IAM tokens only.
const rdsIAM = "rds_iam"

// lockKey serializes runs of Apply on one server: roles are server-wide.
const lockKey = 7163040215

// Result is what a run of Apply did.
type Result struct {
	// Database is the database the grants are in.
	Database string `json:"database"`
	// Created are the roles this run created (none on a re-run).
	Created []string `json:"created"`
	// Programs is the plan that was applied.
	Programs []Program `json:"programs"`
	// Notes say what is left to do by hand or on a later run.
	Notes []string `json:"notes"`
}

// ErrNotPostgres means Apply was given a database that is not PostgreSQL.
var ErrNotPostgres = errors.New("database roles exist on PostgreSQL only")

// Apply converges the database d is connected to (as an administrator: a
// superuser, or the RDS master user with CREATEROLE) on the plan, in one
// transaction: nothing is half-done when a statement fails.
func Apply(ctx context.Context, d *db.DB, p Plan) (Result, error) {
	if d.Driver() != db.Postgres {
		return Result{}, ErrNotPostgres
	}
	tx, err := d.Pgx().Begin(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	a := &applier{tx: tx, res: Result{Programs: p.Programs, Created: []string{}, Notes: []string{}}}
	if err := a.run(ctx, p); err != nil {
		return Result{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Result{}, fmt.Errorf("commit: %w", err)
	}
	return a.res, nil
}

type applier struct {
	tx    pgx.Tx
	res   Result
	super bool
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

func (a *applier) exec(ctx context.Context, q string, args ...any) error {
	if _, err := a.tx.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

func (a *applier) run(ctx context.Context, p Plan) error {
	if err := a.exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(lockKey)); err != nil {
		return err
	}
	var hasIAM, canCreate bool
	err := a.tx.QueryRow(ctx, `SELECT current_database(), r.rolsuper, r.rolcreaterole OR r.rolsuper,
		EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
		FROM pg_roles r WHERE r.rolname = current_user`, rdsIAM).Scan(&a.res.Database, &a.super, &canCreate, &hasIAM)
	if err != nil {
		return fmt.Errorf("read the current role: %w", err)
	}
	if !canCreate {
		return errors.New("the connecting role may not create roles: connect as a superuser or the RDS master user (--admin-user)")
	}
	for _, prog := range p.Programs {
		if err := a.program(ctx, prog); err != nil {
			return fmt.Errorf("roles of %s: %w", prog.Component, err)
		}
	}
	for _, prog := range p.Programs {
		if err := a.login(ctx, prog, p.IAM, hasIAM); err != nil {
			return fmt.Errorf("login of %s: %w", prog.Component, err)
		}
	}
	switch {
	case p.IAM && !hasIAM:
		a.note("shared.database.iam_auth is on but the server has no %s role (not RDS): IAM login skipped; here the roles need passwords", rdsIAM)
	case !p.IAM:
		a.note("password login (shared.database.iam_auth off): set each role's password out of band (psql: \\password ROLE) and keep it in the program's secret; mono sets and prints none")
	}
	return nil
}

func (a *applier) note(format string, args ...any) {
	a.res.Notes = append(a.res.Notes, fmt.Sprintf(format, args...))
}

// role creates name when it is missing and makes sure it can log in.
func (a *applier) role(ctx context.Context, name string) error {
	var exists bool
	if err := a.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		a.res.Created = append(a.res.Created, name)
		return a.exec(ctx, "CREATE ROLE "+ident(name)+" LOGIN")
	}
	return a.exec(ctx, "ALTER ROLE "+ident(name)+" LOGIN")
}

func (a *applier) program(ctx context.Context, p Program) error {
	owner, rt := ident(p.Owner), ident(p.Runtime)
	for _, r := range []string{p.Owner, p.Runtime} {
		if err := a.role(ctx, r); err != nil {
			return err
		}
	}
	if !a.super {
		// ALTER DEFAULT PRIVILEGES FOR ROLE and GRANT on the owner's
		// tables need membership in the owner (the RDS master user is no
		// superuser).
		if err := a.exec(ctx, "GRANT "+owner+" TO CURRENT_USER"); err != nil {
			return err
		}
	}
	schema := ident(Schema)
	privs := strings.Join(p.Privileges, ", ")
	stmts := []string{
		"GRANT CONNECT ON DATABASE " + ident(a.res.Database) + " TO " + owner + ", " + rt,
		"GRANT USAGE, CREATE ON SCHEMA " + schema + " TO " + owner,
		"REVOKE CREATE ON SCHEMA " + schema + " FROM " + rt,
		"GRANT USAGE ON SCHEMA " + schema + " TO " + rt,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + owner + " IN SCHEMA " + schema + " REVOKE ALL ON TABLES FROM " + rt,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + owner + " IN SCHEMA " + schema + " GRANT " + privs + " ON TABLES TO " + rt,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + owner + " IN SCHEMA " + schema + " REVOKE ALL ON SEQUENCES FROM " + rt,
	}
	insert := slices.Contains(p.Privileges, "INSERT")
	if insert {
		stmts = append(stmts, "ALTER DEFAULT PRIVILEGES FOR ROLE "+owner+" IN SCHEMA "+schema+" GRANT USAGE, SELECT ON SEQUENCES TO "+rt)
	}
	for _, q := range stmts {
		if err := a.exec(ctx, q); err != nil {
			return err
		}
	}

	// Whatever the runtime role holds on a table or sequence of the
	// schema is revoked, then exactly the plan's privileges are granted.
	held, err := a.names(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
		AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) x JOIN pg_roles r ON r.oid = x.grantee WHERE r.rolname = $2)`, Schema, p.Runtime)
	if err != nil {
		return err
	}
	for _, t := range held {
		if err := a.exec(ctx, "REVOKE ALL ON "+schema+"."+ident(t)+" FROM "+rt); err != nil {
			return err
		}
	}
	own, err := a.names(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_roles r ON r.oid = c.relowner WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND r.rolname = $2`, Schema, p.Owner)
	if err != nil {
		return err
	}
	if !slices.Contains(own, p.VersionTable) {
		a.note("%s: the version table %s does not exist yet: after the first migration run mono db roles again, so that %s only reads it", p.Component, p.VersionTable, p.Runtime)
	}
	for _, t := range own {
		grant := privs
		if t == p.VersionTable {
			grant = "SELECT"
		}
		if err := a.exec(ctx, "GRANT "+grant+" ON "+schema+"."+ident(t)+" TO "+rt); err != nil {
			return err
		}
	}
	if insert {
		seqs, err := a.names(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_roles r ON r.oid = c.relowner WHERE n.nspname = $1 AND c.relkind = 'S' AND r.rolname = $2`, Schema, p.Owner)
		if err != nil {
			return err
		}
		for _, s := range seqs {
			if err := a.exec(ctx, "GRANT USAGE, SELECT ON SEQUENCE "+schema+"."+ident(s)+" TO "+rt); err != nil {
				return err
			}
		}
	}
	for _, r := range p.Reads {
		var exists bool
		if err := a.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2)", Schema, r.Table).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			a.note("%s: table %s of %s does not exist yet: run mono db roles again after mono db migrate up -c %s", p.Component, r.Table, r.Component, r.Component)
			continue
		}
		if !a.super {
			if err := a.exec(ctx, "GRANT "+ident(OwnerRole(r.Component))+" TO CURRENT_USER"); err != nil {
				return err
			}
		}
		if err := a.exec(ctx, "GRANT SELECT ON "+schema+"."+ident(r.Table)+" TO "+rt); err != nil {
			return err
		}
	}
	return nil
}

// login grants rds_iam to both roles when the plan asks for IAM and the
// server has it, and takes it away otherwise (on RDS a member of rds_iam
// cannot log in with a password).
func (a *applier) login(ctx context.Context, p Program, iam, hasIAM bool) error {
	if !hasIAM {
		return nil
	}
	verb := "GRANT " + ident(rdsIAM) + " TO "
	if !iam {
		verb = "REVOKE " + ident(rdsIAM) + " FROM "
	}
	return a.exec(ctx, verb+ident(p.Owner)+", "+ident(p.Runtime))
}

func (a *applier) names(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := a.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
