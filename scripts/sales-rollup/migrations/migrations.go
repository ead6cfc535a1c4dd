// Package migrations holds the schema of scripts/sales-rollup: the
// daily_sales table, one folder of goose SQL files per dialect, embedded in
// the binary. The table lives in the orders database beside the tables of
// services/orders-api, so the set records its versions in its own table
// (Table); `mono db migrate -c sales-rollup` reads the same files and the
// same table name from component.yaml. See docs/jobs-and-dags.md.
package migrations

import (
	"embed"

	"github.com/acme/platform/libs/db/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Table records the applied versions of this set.
const Table = "goose_db_version_sales_rollup"

// Set returns the sales-rollup migration set.
func Set() migrate.Set { return migrate.Set{Name: "sales-rollup", FS: files, Table: Table} }
