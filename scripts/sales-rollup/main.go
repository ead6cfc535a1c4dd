// Command sales-rollup aggregates one day of orders into the daily_sales
// table (one row per region; a rerun of a day replaces that day) and
// publishes the day as CSV and Parquet to the "exports" blob store. Airflow
// runs it daily (dags/daily_sales.py); see docs/jobs-and-dags.md.
//
//	sales-rollup [--date 2026-11-27] [--lookback N] [--formats csv,parquet] [--summary-file PATH]
//
// Exit codes: 0 ok, 1 failed, 2 bad input (no retry helps), 3 a dependency
// is unavailable (retry later). The last log line is the run's summary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
	"github.com/acme/platform/libs/setup"
	"github.com/acme/platform/scripts/sales-rollup/export"
	"github.com/acme/platform/scripts/sales-rollup/migrations"
	"github.com/acme/platform/scripts/sales-rollup/rollup"
	"github.com/acme/platform/scripts/sales-rollup/salesdb"
)

const program = components.SalesRollupName

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(batch.Code(err))
}

// options are the command line.
type options struct {
	date     string
	lookback int
	formats  []string
	migrate  bool
}

// parseFlags reads args into the job's flags of fs.
func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	var o options
	fs.StringVar(&o.date, "date", "", "the day to roll up, 2006-01-02 in sales-rollup.timezone (default yesterday)")
	fs.IntVar(&o.lookback, "lookback", 0, "days recomputed, ending with --date (default sales-rollup.lookback_days)")
	formats := fs.String("formats", "csv,parquet", "export formats, comma-separated: csv, parquet")
	fs.BoolVar(&o.migrate, "migrate", true, "apply the job's migrations (the daily_sales table) first")
	if err := batch.Parse(fs, args); err != nil {
		return o, err
	}
	if o.lookback < 0 || o.lookback > 366 {
		return o, batch.BadInputf("--lookback %d: must be between 1 and 366", o.lookback)
	}
	known := export.Formats()
	for _, f := range strings.Split(*formats, ",") {
		f = strings.TrimSpace(f)
		if _, ok := known[f]; !ok {
			return o, batch.BadInputf("--formats: unknown format %q (csv, parquet)", f)
		}
		if !slices.Contains(o.formats, f) {
			o.formats = append(o.formats, f)
		}
	}
	return o, nil
}

// run reads down: flags, setup (config, logger), the day, database and
// migrations, the blob store, the job; the summary line is written last
// whatever happened.
func run(ctx context.Context, args []string, getenv func(string) string, environ []string, stdout, stderr io.Writer) (err error) {
	rep := batch.Start(program, stdout, time.Now)
	defer func() { err = rep.Finish(err) }()
	opts, err := parseFlags(rep.FlagSet(stderr), args)
	if err != nil {
		return err
	}
	p, err := setup.Load(ctx, setup.Options{Program: program, Section: components.SalesRollupName, Getenv: getenv, Environ: environ, Stdout: stdout}, components.DefaultSalesRollup())
	if err != nil {
		return err
	}
	defer p.Close()
	own, log := p.Own, p.Log
	rep.SetLogger(log)

	loc, err := time.LoadLocation(own.Timezone)
	if err != nil {
		return fmt.Errorf("sales-rollup.timezone %q: %w", own.Timezone, err)
	}
	day, err := batch.ParseDay(opts.date, time.Now(), loc)
	if err != nil {
		return err
	}
	lookback := own.LookbackDays
	if opts.lookback > 0 {
		lookback = opts.lookback
	}
	rep.Add("day", day.Format(batch.DayLayout))
	rep.Add("lookback_days", lookback)
	p.Starting("day", day.Format(batch.DayLayout), "lookback_days", lookback, "timezone", loc.String())

	dbCfg, err := dbconf.FromShared("orders", p.Shared, p.WorkDir)
	if err != nil {
		return err
	}
	rep.Add("database", dbCfg.Target())
	conn, err := db.Open(ctx, dbCfg, db.WithLogger(log))
	if err != nil {
		return fmt.Errorf("open the orders database: %w", err)
	}
	defer conn.Close()
	if opts.migrate {
		m, err := migrate.New(conn, migrations.Set(), migrate.Options{Logger: log})
		if err != nil {
			return err
		}
		if _, err := m.Up(ctx); err != nil {
			return fmt.Errorf("migrate daily_sales: %w", err)
		}
	}

	exports, err := p.Blob(ctx, own.ExportStore)
	if err != nil {
		return err
	}
	formats := make([]export.Format, len(opts.formats))
	for i, f := range opts.formats {
		formats[i] = export.Formats()[f]
	}

	job := &rollup.Job{
		Store: salesdb.New(conn), Exports: exports, StoreName: own.ExportStore, Prefix: own.ExportPrefix,
		Location: loc, Lookback: lookback, Formats: formats, Now: time.Now, Log: log,
	}
	res, err := job.Run(ctx, day)
	if err != nil {
		return err
	}
	var keys []string
	for _, d := range res.Days {
		keys = append(keys, d.Exports...)
	}
	rep.Add("rows_written", res.Rows)
	rep.Add("orders_read", res.OrdersRead)
	rep.Add("days", res.Days)
	rep.Add("export_store", own.ExportStore)
	rep.Add("exports", keys)
	return nil
}
