// Package migrations holds the database schema of services/orders-api: one
// folder of goose SQL files per dialect, embedded in the binary. `orders-api
// migrate` applies it (the chart's migration Job); `mono db migrate
// --component orders-api` reads the same files from disk. See docs/db.md.
package migrations

import (
	"embed"

	"github.com/acme/platform/libs/db/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Set returns the orders-api migration set.
func Set() migrate.Set { return migrate.Set{Name: "orders-api", FS: files} }
