package migrate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/acme/platform/libs/db"
)

// Dialects are the folders every set has, one per driver.
var Dialects = []db.Driver{db.Postgres, db.SQLite}

var (
	fileRE = regexp.MustCompile(`^(\d+)_.+\.sql$`)
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
)

// Create writes the next migration, <version>_<name>.sql, into every
// dialect folder under dir (a component's migrations folder) and returns
// the paths. Versions are sequential (00001, 00002, ...) across dialects,
// so the two folders stay in step.
func Create(dir, name string) ([]string, error) {
	name = strings.ToLower(strings.NewReplacer("-", "_", " ", "_").Replace(name))
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("migration name %q: use lowercase letters, digits and underscores", name)
	}
	var next int64 = 1
	for _, d := range Dialects {
		entries, err := os.ReadDir(filepath.Join(dir, string(d)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if m := fileRE.FindStringSubmatch(e.Name()); m != nil {
				v, _ := strconv.ParseInt(m[1], 10, 64)
				next = max(next, v+1)
			}
		}
	}
	file := fmt.Sprintf("%05d_%s.sql", next, name)
	var out []string
	for _, d := range Dialects {
		folder := filepath.Join(dir, string(d))
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return nil, err
		}
		p := filepath.Join(folder, file)
		body := fmt.Sprintf(template, name, d)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

const template = `-- Migration %s (%s). Up must be undone exactly by Down.
-- +goose Up
-- +goose StatementBegin
SELECT 1;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
SELECT 1;
-- +goose StatementEnd
`
