package db

import (
	"strconv"
	"strings"
)

// Rebind turns the ? placeholders of q into the driver's: $1, $2, ... on
// PostgreSQL; SQLite takes ? as written. A ? inside a quoted literal or
// identifier ('a?', "b?") is left alone; PostgreSQL's ? operators (jsonb)
// cannot be written in a query that is rebound.
func (drv Driver) Rebind(q string) string {
	if drv != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte // the open quote, or 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Rebind turns the ? placeholders of q into those of the database's driver
// (see Driver.Rebind): write a raw query once, run it on both engines.
func (d *DB) Rebind(q string) string { return d.cfg.Driver.Rebind(q) }
