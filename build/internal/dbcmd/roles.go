package dbcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbroles"
	"github.com/acme/platform/libs/db"
)

// AdminPasswordEnv is the variable that carries the administrator's
// password to `mono db roles` (never a flag: flags show in process lists
// and shell history).
const AdminPasswordEnv = "MONO_DB_ADMIN_PASSWORD"

// DefaultAdminUser is the administrator mono db roles connects as by default.
const DefaultAdminUser = "postgres"

// RolesRequest is one `mono db roles` invocation.
type RolesRequest struct {
	Env       string
	AdminUser string
	DryRun    bool
	JSON      bool
}

func rolesCommand(d cli.Deps) *cobra.Command {
	req := RolesRequest{}
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "Create each program's PostgreSQL roles and grant them least privilege",
		Long: `Every component with migrations gets two PostgreSQL roles in the database
of shared.database: <component>_owner runs its migrations and owns its tables
(the migration Job), and <component> (dashes as underscores) is what the
program connects as: only deploy.settings.database_privileges of its
component.yaml on its own tables, SELECT on the tables of other components
listed in deploy.settings.database_reads, no DDL.

mono connects as --admin-user (default postgres; on RDS the master user)
to shared.database's host and database, with the password in $` + AdminPasswordEnv + `
(else IAM or no password, as shared.database says). One transaction; a
re-run changes nothing. With shared.database.iam_auth the roles are granted
rds_iam (RDS IAM login, no password); otherwise set their passwords out of
band: mono never sets or prints one. Run it before the first migration and
again after it (the notes say when).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return Roles(c.Context(), d, req) },
	}
	cmd.Flags().StringVar(&req.Env, "env", "", "environment (default $ENV, then local)")
	cmd.Flags().StringVar(&req.AdminUser, "admin-user", DefaultAdminUser, "the administrator role to connect as (CREATEROLE)")
	cmd.Flags().BoolVar(&req.DryRun, "dry-run", false, "print the roles and grants, connect to nothing")
	cmd.Flags().BoolVar(&req.JSON, "json", false, "print JSON for machines")
	return cmd
}

// Roles applies the workspace's role plan to the environment's database.
func Roles(ctx context.Context, d cli.Deps, req RolesRequest) error {
	ws, g, err := d.Graph()
	if err != nil {
		return err
	}
	env, err := d.Env(ws, req.Env)
	if err != nil {
		return err
	}
	if req.AdminUser == "" {
		return cli.Usagef("--admin-user must not be empty (the administrator role, e.g. %s or the RDS master user)", DefaultAdminUser)
	}
	cfg, err := databaseConfig(ctx, d, ws, env, "roles")
	if err != nil {
		return err
	}
	if cfg.Driver != db.Postgres {
		return cli.Usagef("shared.database.driver of %s is %s: database roles exist on PostgreSQL only (dev, staging, prod, or a local PostgreSQL through SHARED__DATABASE__DRIVER=postgres)", env, cfg.Driver)
	}
	plan, err := dbroles.PlanFor(g, cfg.IAMAuth)
	if err != nil {
		return err
	}
	out := d.IO.Out
	cfg.User = req.AdminUser
	if cfg.DSN != "" {
		if cfg.DSN, err = dsnUser(cfg.DSN, req.AdminUser); err != nil {
			return cli.Exit(cli.ExitConfig, fmt.Errorf("shared.database.dsn of %s: %w", env, err))
		}
	}
	if pw := d.Getenv(AdminPasswordEnv); pw != "" {
		cfg.Password, cfg.IAMAuth = pw, false
	}
	where := fmt.Sprintf("%s in %s: %s", cfg.Database, env, cfg.Target())
	if req.DryRun {
		if req.JSON {
			return cli.WriteJSON(out, map[string]any{"env": env, "database": cfg.Target(), "dry_run": true, "plan": plan})
		}
		fmt.Fprintf(out, "%s (dry run: nothing applied)\n", where)
		printPlan(out, plan.Programs)
		return nil
	}
	if cfg.ConnectAttempts == 0 {
		cfg.ConnectAttempts = 3
	}
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open database of %s as %s: %w", env, req.AdminUser, err)
	}
	defer conn.Close()
	res, err := dbroles.Apply(ctx, conn, plan)
	if err != nil {
		return fmt.Errorf("apply roles in %s (nothing changed): %w", where, err)
	}
	if req.JSON {
		return cli.WriteJSON(out, map[string]any{"env": env, "database": cfg.Target(), "result": res})
	}
	fmt.Fprintln(out, where)
	printPlan(out, res.Programs)
	if len(res.Created) > 0 {
		fmt.Fprintf(out, "\ncreated: %s\n", strings.Join(res.Created, ", "))
	} else {
		fmt.Fprintln(out, "\nno role created (they exist); grants converged")
	}
	for _, n := range res.Notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	return nil
}

// dsnUser replaces the user of a PostgreSQL DSN, a URL or key=value
// string (in which the last of repeated keys wins).
func dsnUser(dsn, user string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("not a valid URL (its text is not shown: it may hold a password)")
		}
		u.User = url.User(user)
		return u.String(), nil
	}
	if !strings.Contains(dsn, "=") {
		return "", errors.New("not a postgres:// URL or key=value string (its text is not shown: it may hold a password)")
	}
	return dsn + " user='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(user) + "'", nil
}

func printPlan(w io.Writer, progs []dbroles.Program) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tOWNER (DDL)\tRUNTIME\tON ITS TABLES\tREADS")
	for _, p := range progs {
		reads := make([]string, len(p.Reads))
		for i, r := range p.Reads {
			reads[i] = r.Component + "." + r.Table
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Component, p.Owner, p.Runtime, strings.Join(p.Privileges, ", "), strings.Join(reads, ", "))
	}
	_ = tw.Flush()
}
