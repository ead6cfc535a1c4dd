// Command dbbench compares libs/db with raw pgx on the same primary-key
// select and insert against a real PostgreSQL (started by libs/db/dbtest),
// in the same run, and prints throughput ratios and latency percentiles.
// See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/db/migrate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dbbench:", err)
		os.Exit(1)
	}
}

type options struct {
	workers int
	dur     time.Duration
	rounds  int
	rows    int
	target  float64
	ctxMode string
}

// item is the benchmark row, as a bun model.
type item struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:"id,pk"`
	Name          string `bun:"name"`
	Qty           int64  `bun:"qty"`
}

// op is one way of doing one operation; it gets a worker-unique key source.
type op struct {
	name string
	fn   func(ctx context.Context, next func() int64) error
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("dbbench", flag.ContinueOnError)
	fs.IntVar(&o.workers, "workers", 4, "concurrent clients")
	fs.DurationVar(&o.dur, "duration", 500*time.Millisecond, "length of one measurement")
	fs.IntVar(&o.rounds, "rounds", 15, "rounds; each measures every variant once, in rotating order")
	fs.IntVar(&o.rows, "rows", 10000, "rows preloaded for the selects")
	fs.Float64Var(&o.target, "target", 0.95, "minimum libs/db/pgx throughput ratio")
	fs.StringVar(&o.ctxMode, "ctx", "request", "context of each call, the same for every variant: request (a deadline per call, as in an HTTP handler) or background (none: libs/db then adds its default deadline)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.ctxMode != "request" && o.ctxMode != "background" {
		return fmt.Errorf("-ctx %q: request or background", o.ctxMode)
	}

	fmt.Fprintln(out, "dbbench: starting PostgreSQL 15 from the local binaries ...")
	srv, err := dbtest.Start(ctx)
	if err != nil {
		return err
	}
	defer srv.Stop()
	name, err := srv.CreateDatabase(ctx, migrate.Set{Name: "bench"})
	if err != nil {
		return err
	}
	cfg := srv.Config(name)
	cfg.MaxConns = int32(o.workers)
	cfg.SlowQuery = -1
	d, err := db.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	// Raw pgx: a plain pool of the same size on the same database, with
	// nothing of libs/db on the path (no tracer, deadlines or metrics).
	pc, err := pgxpool.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=disable pool_max_conns=%d",
		srv.Host, srv.Port, srv.User, dbtest.Password, name, o.workers))
	if err != nil {
		return err
	}
	raw, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer raw.Close()
	lib := d.Pgx() // libs/db's pool: tracer with default deadline, latency histogram, slow-query log
	if _, err := raw.Exec(ctx, `CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL, qty BIGINT NOT NULL)`); err != nil {
		return err
	}
	if _, err := raw.Exec(ctx, `INSERT INTO items SELECT g, 'item-' || g, g % 100 FROM generate_series(1, $1::int) g`, o.rows); err != nil {
		return err
	}
	if _, err := raw.Exec(ctx, `VACUUM ANALYZE items`); err != nil {
		return err
	}
	var insertID atomic.Int64
	insertID.Store(int64(o.rows) + 1_000_000)
	randID := func() int64 { return 1 + rand.Int64N(int64(o.rows)) }
	const sel = `SELECT id, name, qty FROM items WHERE id = $1`
	const ins = `INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)`

	groups := []struct {
		name string
		ops  []op
	}{
		{"select by primary key", []op{
			{"raw pgx", func(ctx context.Context, _ func() int64) error {
				var it item
				return raw.QueryRow(ctx, sel, randID()).Scan(&it.ID, &it.Name, &it.Qty)
			}},
			{"libs/db Pgx()", func(ctx context.Context, _ func() int64) error {
				var it item
				return lib.QueryRow(ctx, sel, randID()).Scan(&it.ID, &it.Name, &it.Qty)
			}},
			{"libs/db SQL()", func(ctx context.Context, _ func() int64) error {
				var it item
				return d.SQL().QueryRowContext(ctx, sel, randID()).Scan(&it.ID, &it.Name, &it.Qty)
			}},
			{"libs/db Bun() ORM", func(ctx context.Context, _ func() int64) error {
				var it item
				return d.Bun().NewSelect().Model(&it).Where("id = ?", randID()).Scan(ctx)
			}},
		}},
		{"insert", []op{
			{"raw pgx", func(ctx context.Context, next func() int64) error {
				id := next()
				_, err := raw.Exec(ctx, ins, id, "new", id%100)
				return err
			}},
			{"libs/db Pgx()", func(ctx context.Context, next func() int64) error {
				id := next()
				_, err := lib.Exec(ctx, ins, id, "new", id%100)
				return err
			}},
			{"libs/db SQL()", func(ctx context.Context, next func() int64) error {
				id := next()
				_, err := d.SQL().ExecContext(ctx, ins, id, "new", id%100)
				return err
			}},
			{"libs/db Bun() ORM", func(ctx context.Context, next func() int64) error {
				id := next()
				_, err := d.Bun().NewInsert().Model(&item{ID: id, Name: "new", Qty: id % 100}).Exec(ctx)
				return err
			}},
		}},
	}
	next := func() int64 { return insertID.Add(1) }

	fmt.Fprintf(out, "dbbench: %d workers, %d rounds of %s per variant (order rotates each round); pool of %d; -ctx %s\n\n", o.workers, o.rounds, o.dur, o.workers, o.ctxMode)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tvariant\tops/s\tp50 µs\tp99 µs\tratio to raw pgx (median round)\t")
	fail := false
	for _, g := range groups {
		results := make([]result, len(g.ops))
		// Warm up every variant (statement caches, pool), then alternate.
		for i := range g.ops {
			if _, err := measure(ctx, g.ops[i], o.workers, o.dur/4, o.ctxMode == "request", next); err != nil {
				return err
			}
		}
		// ratios[i] holds variant i's throughput over raw pgx's, per round:
		// the machine's background load drifts, so each round is compared
		// with itself and the median round is reported.
		ratios := make([][]float64, len(g.ops))
		for round := range o.rounds {
			tp := make([]float64, len(g.ops))
			for k := range g.ops {
				i := (k + round) % len(g.ops) // rotate the order: no variant always goes first
				r, err := measure(ctx, g.ops[i], o.workers, o.dur, o.ctxMode == "request", next)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", g.name, g.ops[i].name, err)
				}
				results[i].add(r)
				tp[i] = float64(r.ops) / r.elapsed.Seconds()
			}
			for i := range g.ops {
				ratios[i] = append(ratios[i], tp[i]/tp[0])
			}
		}
		for i, r := range results {
			ratio := median(ratios[i])
			mark := ""
			if i == 1 {
				if ratio < o.target {
					mark, fail = " (below target)", true
				} else {
					mark = " (target met)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%.0f\t%.3f%s\t\n", g.name, g.ops[i].name, r.throughput(),
				us(r.percentile(0.50)), us(r.percentile(0.99)), ratio, mark)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTarget: libs/db Pgx() (libs/db's pool with its tracer: default deadline, latency histogram,\n"+
		"slow-query log) at least %.2f of raw pgx throughput. SQL() adds database/sql; Bun() also formats\n"+
		"arguments into the SQL text, which PostgreSQL parses and plans on every call.\n", o.target)
	if fail {
		return fmt.Errorf("throughput ratio below %.2f", o.target)
	}
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// result is what one or more measurements of a variant collected.
type result struct {
	ops     int
	elapsed time.Duration
	lat     []time.Duration
}

func (r *result) add(o result) {
	r.ops += o.ops
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
}

func (r *result) throughput() float64 { return float64(r.ops) / r.elapsed.Seconds() }

func (r *result) percentile(p float64) time.Duration {
	return percentile(r.lat, p)
}

// percentile returns the p-quantile (nearest rank) of lat, sorting it.
func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	i := int(p*float64(len(lat))+0.5) - 1
	return lat[min(max(i, 0), len(lat)-1)]
}

// measure runs op from workers goroutines for dur. With perCall each call
// gets its own deadline, as a request handler's calls do.
func measure(ctx context.Context, o op, workers int, dur time.Duration, perCall bool, next func() int64) (result, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var res result
	var firstErr error
	start := time.Now()
	stop := start.Add(dur)
	for range workers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for time.Now().Before(stop) && ctx.Err() == nil {
				t := time.Now()
				callCtx, cancel := ctx, context.CancelFunc(func() {})
				if perCall {
					callCtx, cancel = context.WithTimeout(ctx, 5*time.Second)
				}
				err := o.fn(callCtx, next)
				cancel()
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.ops += len(lat)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return res, firstErr
}
