// Package dbroles gives every program that owns tables in a PostgreSQL
// database two roles of its own, the work behind `mono db roles`:
//
//   - <component>_owner, the migration owner: it runs the component's
//     migrations (the migration Job, `mono db migrate`), so it owns the
//     component's tables and its version table and may create tables in
//     schema public;
//   - <component> (dashes become underscores), the runtime role the
//     program connects as: only the privileges its component.yaml lists
//     (deploy.settings.database_privileges) on the tables its owner
//     creates, SELECT on its version table (so a start-up "migrate up"
//     with nothing pending succeeds) and SELECT on the tables of other
//     components it reads (deploy.settings.database_reads). No DDL.
//
// Apply converges a database on the plan in one transaction: it creates
// missing roles, grants what the plan says and revokes what it does not,
// so a second run changes nothing. No password is ever set or printed:
// with shared.database.iam_auth the roles log in with RDS IAM tokens
// (rds_iam), otherwise their passwords are set out of band.
package dbroles

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbmigrate"
	"github.com/acme/platform/build/internal/graph"
)

// PrivilegesSetting is the component.yaml key (deploy.settings) listing
// what the runtime role may do on the component's own tables: SELECT,
// INSERT, UPDATE, DELETE (default: SELECT).
const PrivilegesSetting = "database_privileges"

// ReadsSetting is the component.yaml key (deploy.settings) naming tables
// of other components the runtime role may SELECT: a mapping from the
// owning component to its table names.
const ReadsSetting = "database_reads"

// Schema is where every component's tables live.
const Schema = "public"

// OwnerSuffix ends the name of a component's migration owner role.
const OwnerSuffix = "_owner"

// Program is the pair of roles of one component with migrations.
type Program struct {
	// Component is the component's name.
	Component string `json:"component"`
	// Owner runs the migrations and owns the tables.
	Owner string `json:"owner"`
	// Runtime is the role the program connects as.
	Runtime string `json:"runtime"`
	// Privileges are the runtime role's on the owner's tables, sorted.
	Privileges []string `json:"privileges"`
	// VersionTable records the component's applied migrations.
	VersionTable string `json:"version_table"`
	// Reads are other components' tables the runtime role may SELECT.
	Reads []Read `json:"reads,omitempty"`
}

// Read is a table of another component.
type Read struct {
	Component string `json:"component"`
	Table     string `json:"table"`
}

// Plan is the roles of one database.
type Plan struct {
	// Programs are the components with migrations, by name.
	Programs []Program `json:"programs"`
	// IAM says the roles log in with RDS IAM tokens (shared.database.iam_auth).
	IAM bool `json:"iam"`
}

// RuntimeRole is the runtime role name of a component.
func RuntimeRole(component string) string { return strings.ReplaceAll(component, "-", "_") }

// OwnerRole is the migration owner role name of a component.
func OwnerRole(component string) string { return RuntimeRole(component) + OwnerSuffix }

var (
	roleName   = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	privileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE"}
)

// PlanFor reads the plan from the graph: every component that declares
// migrations gets its roles. Errors name the component and the key.
func PlanFor(g *graph.Graph, iam bool) (Plan, error) {
	p := Plan{IAM: iam}
	for _, c := range g.Components() {
		if !dbmigrate.Has(c) {
			if _, ok := c.Deploy.Settings[PrivilegesSetting]; ok {
				return Plan{}, settingErr(c, PrivilegesSetting, "needs deploy.settings.%s: only a component with migrations has database roles", dbmigrate.Setting)
			}
			continue
		}
		prog, err := program(g, c)
		if err != nil {
			return Plan{}, err
		}
		p.Programs = append(p.Programs, prog)
	}
	sort.Slice(p.Programs, func(i, j int) bool { return p.Programs[i].Component < p.Programs[j].Component })
	return p, nil
}

func program(g *graph.Graph, c *graph.Component) (Program, error) {
	prog := Program{Component: c.Name, Owner: OwnerRole(c.Name), Runtime: RuntimeRole(c.Name), Privileges: []string{"SELECT"}}
	if !roleName.MatchString(prog.Owner) {
		return Program{}, cli.Exit(cli.ExitConfig, fmt.Errorf("component %s: %q is not a PostgreSQL role name (lowercase letters, digits, _, at most 63)", c.Name, prog.Owner))
	}
	table, err := dbmigrate.VersionTable(c)
	if err != nil {
		return Program{}, err
	}
	prog.VersionTable = table
	if v, ok := c.Deploy.Settings[PrivilegesSetting]; ok {
		list, ok := stringList(v)
		if !ok || len(list) == 0 {
			return Program{}, settingErr(c, PrivilegesSetting, "must be a list of %s, got %v", strings.Join(privileges, ", "), v)
		}
		prog.Privileges = nil
		for _, s := range list {
			s = strings.ToUpper(s)
			if !slices.Contains(privileges, s) {
				return Program{}, settingErr(c, PrivilegesSetting, "%q is not one of %s", s, strings.Join(privileges, ", "))
			}
			if !slices.Contains(prog.Privileges, s) {
				prog.Privileges = append(prog.Privileges, s)
			}
		}
		if !slices.Contains(prog.Privileges, "SELECT") {
			return Program{}, settingErr(c, PrivilegesSetting, "must include SELECT (UPDATE and DELETE with a WHERE clause read the rows they change)")
		}
		slices.SortFunc(prog.Privileges, func(a, b string) int { return slices.Index(privileges, a) - slices.Index(privileges, b) })
	}
	if v, ok := c.Deploy.Settings[ReadsSetting]; ok {
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			return Program{}, settingErr(c, ReadsSetting, "must map a component to the list of its tables read, e.g. {orders-api: [orders]}, got %v", v)
		}
		for owner, tv := range m {
			oc := g.Get(owner)
			switch {
			case oc == nil:
				return Program{}, settingErr(c, ReadsSetting, "unknown component %q", owner)
			case owner == c.Name:
				return Program{}, settingErr(c, ReadsSetting, "lists the component itself; its own tables are covered by %s", PrivilegesSetting)
			case !dbmigrate.Has(oc):
				return Program{}, settingErr(c, ReadsSetting, "component %s has no migrations, so no tables", owner)
			}
			tables, ok := stringList(tv)
			if !ok || len(tables) == 0 {
				return Program{}, settingErr(c, ReadsSetting, "%s: must be a list of table names, got %v", owner, tv)
			}
			for _, t := range tables {
				if !roleName.MatchString(t) {
					return Program{}, settingErr(c, ReadsSetting, "%s: %q is not a table name (lowercase letters, digits, _)", owner, t)
				}
				prog.Reads = append(prog.Reads, Read{Component: owner, Table: t})
			}
		}
		sort.Slice(prog.Reads, func(i, j int) bool {
			a, b := prog.Reads[i], prog.Reads[j]
			return a.Component < b.Component || a.Component == b.Component && a.Table < b.Table
		})
	}
	return prog, nil
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func settingErr(c *graph.Component, key, format string, args ...any) error {
	file := c.Manifest
	if file == "" {
		file = path.Join(c.Dir, "component.yaml")
	}
	return cli.Exit(cli.ExitConfig, fmt.Errorf("%s: deploy.settings.%s: "+format, append([]any{file, key}, args...)...))
}
