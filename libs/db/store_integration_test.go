package db_test

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/db/migrate"

	"github.com/acme/platform/libs/testenv"
)

//go:embed testdata/migrations
var testMigrations embed.FS

func widgetSet(t testing.TB) migrate.Set {
	sub, err := fs.Sub(testMigrations, "testdata/migrations")
	if err != nil {
		t.Fatal(err)
	}
	return migrate.Set{Name: "widgets", FS: sub}
}

// widget and widgetStore are a miniature of a component's store: bun models
// plus raw SQL, written once for both dialects.
type widget struct {
	bun.BaseModel `bun:"table:widgets"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	Qty           int       `bun:"qty"`
	CreatedAt     time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

type part struct {
	bun.BaseModel `bun:"table:parts"`
	ID            int64  `bun:"id,pk,autoincrement"`
	WidgetID      int64  `bun:"widget_id"`
	Label         string `bun:"label"`
}

type widgetStore struct{ db *db.DB }

func (s widgetStore) create(ctx context.Context, name string, qty int) (widget, error) {
	w := widget{Name: name, Qty: qty}
	_, err := s.db.Bun().NewInsert().Model(&w).Returning("*").Exec(ctx)
	return w, err
}

func (s widgetStore) get(ctx context.Context, id int64) (widget, error) {
	var w widget
	err := s.db.Bun().NewSelect().Model(&w).Where("id = ?", id).Scan(ctx)
	return w, err
}

func (s widgetStore) add(ctx context.Context, id int64, n int) error {
	return s.db.Tx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*widget)(nil)).Set("qty = qty + ?", n).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sql.ErrNoRows
		}
		var w widget
		return tx.NewSelect().Model(&w).Where("id = ?", id).Scan(ctx)
	})
}

func (s widgetStore) totalQty(ctx context.Context) (int, error) {
	var total int
	err := s.db.Bun().NewRaw("SELECT COALESCE(SUM(qty), 0) FROM widgets").Scan(ctx, &total)
	return total, err
}

func TestIntegrationStore(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, widgetSet(t), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := widgetStore{db: d}

		w, err := s.create(ctx, "bolt", 3)
		if err != nil {
			t.Fatal(err)
		}
		if w.ID == 0 || w.CreatedAt.IsZero() {
			t.Fatalf("create did not return generated columns: %+v", w)
		}
		got, err := s.get(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w.Name, got.Name); diff != "" || got.Qty != 3 {
			t.Errorf("get: %+v, want %+v", got, w)
		}
		if err := s.add(ctx, w.ID, 4); err != nil {
			t.Fatal(err)
		}
		if total, err := s.totalQty(ctx); err != nil || total != 7 {
			t.Errorf("totalQty = %d, %v; want 7", total, err)
		}

		// Not found is sql.ErrNoRows on both dialects.
		if _, err := s.get(ctx, 999999); !db.IsNotFound(err) {
			t.Errorf("get(missing) = %v, want not found", err)
		}
		// Unique constraint.
		if _, err := s.create(ctx, "bolt", 1); err == nil {
			t.Error("duplicate name accepted")
		}
		// Foreign keys are enforced (SQLite has them off unless asked).
		_, err = d.Bun().NewInsert().Model(&part{WidgetID: 424242, Label: "orphan"}).Exec(ctx)
		if err == nil {
			t.Error("part with a missing widget accepted: foreign keys are off")
		}
		if _, err := d.Bun().NewInsert().Model(&part{WidgetID: w.ID, Label: "thread"}).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		// Raw SQL through database/sql with the driver's placeholders.
		ph := "?"
		if d.Driver() == db.Postgres {
			ph = "$1"
		}
		var label string
		if err := d.SQL().QueryRowContext(ctx, "SELECT label FROM parts WHERE widget_id = "+ph, w.ID).Scan(&label); err != nil || label != "thread" {
			t.Errorf("raw select = %q, %v", label, err)
		}
		// A rolled-back transaction leaves nothing.
		boom := errors.New("boom")
		err = d.Tx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewInsert().Model(&widget{Name: "ghost"}).Exec(ctx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		if n, err := d.Bun().NewSelect().Model((*widget)(nil)).Where("name = ?", "ghost").Count(ctx); err != nil || n != 0 {
			t.Errorf("rolled-back row visible: %d, %v", n, err)
		}
		if err := d.Ping(ctx); err != nil {
			t.Error(err)
		}
	})
}

// TestIntegrationConcurrentPool: 200 goroutines share a 20-connection pool,
// each writing in transactions and reading; no call may fail.
func TestIntegrationConcurrentPool(t *testing.T) {
	t.Parallel()
	for _, drv := range migrate.Dialects {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			maxConns := func(c *db.Config) { c.MaxConns = 20 }
			var d *db.DB
			if drv == db.Postgres {
				d = dbtest.NewPostgres(t, widgetSet(t), maxConns)
			} else {
				d = dbtest.NewSQLite(t, widgetSet(t), maxConns)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			s := widgetStore{db: d}
			shared, err := s.create(ctx, "shared", 0)
			if err != nil {
				t.Fatal(err)
			}
			const workers, rounds = 200, 3
			var wg sync.WaitGroup
			var failures atomic.Int64
			var firstErr sync.Once
			for g := range workers {
				wg.Go(func() {
					for r := range rounds {
						w, err := s.create(ctx, fmt.Sprintf("w-%d-%d", g, r), 1)
						if err == nil {
							_, err = s.get(ctx, w.ID)
						}
						if err == nil {
							err = s.add(ctx, shared.ID, 1)
						}
						if err != nil {
							failures.Add(1)
							firstErr.Do(func() { t.Errorf("worker %d round %d: %v", g, r, err) })
						}
					}
				})
			}
			wg.Wait()
			if n := failures.Load(); n > 0 {
				t.Fatalf("%d of %d calls failed", n, workers*rounds)
			}
			got, err := s.get(ctx, shared.ID)
			if err != nil || got.Qty != workers*rounds {
				t.Errorf("shared qty = %d, %v; want %d (lost updates)", got.Qty, err, workers*rounds)
			}
			if st := d.SQL().Stats(); drv == db.SQLite && st.MaxOpenConnections != 20 {
				t.Errorf("pool size %d, want 20", st.MaxOpenConnections)
			}
			if drv == db.Postgres && d.Pgx().Stat().MaxConns() != 20 {
				t.Errorf("pool size %d, want 20", d.Pgx().Stat().MaxConns())
			}
		})
	}
}

// TestIntegrationTxRetriesSerializationFailure makes two serializable
// transactions read the same row before either writes: PostgreSQL aborts
// one with 40001 and Tx runs it again.
func TestIntegrationTxRetriesSerializationFailure(t *testing.T) {
	t.Parallel()
	d := dbtest.NewPostgres(t, widgetSet(t), nil)
	ctx := context.Background()
	s := widgetStore{db: d}
	w, err := s.create(ctx, "contended", 0)
	if err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int64
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	inc := func() error {
		first := true
		return d.Tx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable}, func(ctx context.Context, tx bun.Tx) error {
			attempts.Add(1)
			var cur widget
			if err := tx.NewSelect().Model(&cur).Where("id = ?", w.ID).Scan(ctx); err != nil {
				return err
			}
			if first {
				first = false
				bothRead.Done()
				bothRead.Wait()
			}
			_, err := tx.NewUpdate().Model(&cur).Set("qty = ?", cur.Qty+1).WherePK().Exec(ctx)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- inc() }()
	go func() { errs <- inc() }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Tx: %v", err)
		}
	}
	got, err := s.get(ctx, w.ID)
	if err != nil || got.Qty != 2 {
		t.Errorf("qty = %d, %v; want 2", got.Qty, err)
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts; want at least 3 (one retry after the conflict)", n)
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	if db.Retryable(errors.New("plain")) || db.Retryable(nil) {
		t.Error("plain errors are not retryable")
	}
}

// TestIntegrationDefaultDeadline: a statement without a context deadline
// gets QueryTimeout.
func TestIntegrationDefaultDeadline(t *testing.T) {
	t.Parallel()
	slow := map[db.Driver]string{
		db.Postgres: "SELECT pg_sleep(10)",
		db.SQLite:   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000000000) SELECT max(x) FROM c",
	}
	short := func(c *db.Config) { c.QueryTimeout = 300 * time.Millisecond }
	for _, drv := range migrate.Dialects {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			var d *db.DB
			if drv == db.Postgres {
				d = dbtest.NewPostgres(t, migrate.Set{}, short)
			} else {
				d = dbtest.NewSQLite(t, migrate.Set{}, short)
			}
			start := time.Now()
			var n int64
			err := d.Bun().NewRaw(slow[drv]).Scan(context.Background(), &n)
			if err == nil {
				t.Fatal("slow statement finished: no default deadline")
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("statement ran %s past a 300ms deadline", el)
			}
			// The pool is still usable afterwards.
			if err := d.Ping(context.Background()); err != nil {
				t.Errorf("ping after timeout: %v", err)
			}
		})
	}
}

// TestIntegrationMetricsAndSlowLog: statements land in the histogram, the
// pool collector reports the pool, and the slow-query log shows the
// statement without the values.
func TestIntegrationMetricsAndSlowLog(t *testing.T) {
	t.Parallel()
	for _, drv := range migrate.Dialects {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			var cfg db.Config
			if drv == db.Postgres {
				cfg = dbtest.NewPostgresConfig(t, widgetSet(t))
			} else {
				cfg = dbtest.NewSQLiteConfig(t, widgetSet(t))
			}
			cfg.Name = "orders"
			cfg.SlowQuery = time.Nanosecond // everything is slow
			var logBuf testenv.SyncBuffer
			reg := prometheus.NewRegistry()
			d, err := db.Open(context.Background(), cfg, db.WithLogger(slog.New(slog.NewTextHandler(&logBuf, nil))), db.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			// A second pool for the same database in the same registry is refused.
			if _, err := db.Open(context.Background(), cfg, db.WithRegisterer(reg)); err == nil {
				t.Error("second Open with the same registerer succeeded")
			}
			if _, err := (widgetStore{db: d}).create(context.Background(), "customer-jane@example.com", 12345); err != nil {
				t.Fatal(err)
			}
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			found := map[string]float64{}
			for _, mf := range mfs {
				for _, m := range mf.GetMetric() {
					switch {
					case m.GetHistogram() != nil:
						found[mf.GetName()] += float64(m.GetHistogram().GetSampleCount())
					case m.GetGauge() != nil:
						found[mf.GetName()] = m.GetGauge().GetValue()
					}
				}
			}
			if found["db_query_duration_seconds"] < 1 {
				t.Errorf("no statement in db_query_duration_seconds: %v", found)
			}
			if found["db_pool_max_conns"] != float64(d.Config().MaxConns) {
				t.Errorf("db_pool_max_conns = %v, want %d", found["db_pool_max_conns"], d.Config().MaxConns)
			}
			logs := logBuf.String()
			if !strings.Contains(logs, "slow query") || !strings.Contains(strings.ToUpper(logs), "INSERT INTO") {
				t.Errorf("no slow-query line for the insert:\n%s", logs)
			}
			for _, secret := range []string{"jane@example.com", "12345"} {
				if strings.Contains(logs, secret) {
					t.Errorf("slow-query log shows the value %q:\n%s", secret, logs)
				}
			}
		})
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

func TestIntegrationOpenWrongPasswordHidesIt(t *testing.T) {
	t.Parallel()
	srv := dbtest.Postgres(t)
	cfg := srv.Config("postgres")
	cfg.Password = planted
	cfg.ConnectAttempts = 1
	_, err := db.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("Open succeeded with a wrong password")
	}
	if strings.Contains(err.Error(), planted) {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("error %q does not say why", err)
	}
}
