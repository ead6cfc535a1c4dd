// Command exports-cleanup deletes exports older than a number of days from
// a blob store (by default the daily sales exports in "exports"). Airflow
// runs it after each new export (dags/sales_exports.py); it is also the
// smallest example of a job in scripts/ (docs/jobs-and-dags.md).
//
//	exports-cleanup [--older-than-days 90] [--prefix daily-sales/] [--store exports] [--dry-run]
//
// Exit codes: 0 ok, 1 failed, 2 bad input, 3 the store is unavailable.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/setup"
)

const program = "exports-cleanup"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Environ(), time.Now, os.Stdout, os.Stderr)
	stop()
	os.Exit(batch.Code(err))
}

type options struct {
	days   int
	prefix string
	store  string
	dryRun bool
}

// parseFlags reads args into the job's flags of fs.
func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	var o options
	fs.IntVar(&o.days, "older-than-days", 90, "delete objects last written more than this many days ago (1..3650)")
	fs.StringVar(&o.prefix, "prefix", "sales-rollup/daily-sales/", "only objects whose key starts with this")
	fs.StringVar(&o.store, "store", "exports", "the logical blob store (a key of shared.blobs)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list what would be deleted, delete nothing")
	if err := batch.Parse(fs, args); err != nil {
		return o, err
	}
	switch {
	case o.days < 1 || o.days > 3650:
		return o, batch.BadInputf("--older-than-days %d: must be between 1 and 3650", o.days)
	case o.prefix == "":
		return o, batch.BadInputf("--prefix must not be empty (it keeps the job away from other objects)")
	}
	return o, nil
}

// run reads down: flags, setup (config, logger), the blob store, the
// cleanup; the summary line is written last whatever happened.
func run(ctx context.Context, args []string, getenv func(string) string, environ []string, now func() time.Time, stdout, stderr io.Writer) (err error) {
	rep := batch.Start(program, stdout, now)
	defer func() { err = rep.Finish(err) }()
	opts, err := parseFlags(rep.FlagSet(stderr), args)
	if err != nil {
		return err
	}
	// The job has no section of its own: it reads shared (log, blobs, aws).
	p, err := setup.Load(ctx, setup.Options{Program: program, Getenv: getenv, Environ: environ, Stdout: stdout}, struct{}{})
	if err != nil {
		return err
	}
	defer p.Close()
	rep.SetLogger(p.Log)
	store, err := p.Blob(ctx, opts.store)
	if err != nil {
		return err
	}

	cutoff := now().AddDate(0, 0, -opts.days)
	rep.Add("store", opts.store)
	rep.Add("prefix", opts.prefix)
	rep.Add("cutoff", cutoff.UTC().Format(time.RFC3339))
	rep.Add("dry_run", opts.dryRun)
	res, err := cleanup(ctx, store, opts.prefix, cutoff, opts.dryRun, p.Log)
	rep.Add("deleted", res.deleted)
	rep.Add("kept", res.kept)
	rep.Add("bytes_deleted", res.bytes)
	return err
}

// Deleter is the part of a blob store the cleanup needs.
type Deleter interface {
	List(ctx context.Context, prefix string) ([]blob.Info, error)
	Delete(ctx context.Context, key string) error
}

type result struct {
	deleted, kept int
	bytes         int64
}

// cleanup deletes the objects under prefix last written before cutoff.
// Deleting is idempotent, so a run cut short is finished by the next one.
func cleanup(ctx context.Context, s Deleter, prefix string, cutoff time.Time, dryRun bool, log *slog.Logger) (result, error) {
	var res result
	list, err := s.List(ctx, prefix)
	if err != nil {
		return res, batch.Unavailable(fmt.Sprintf("list %s", prefix), err)
	}
	for _, o := range list {
		if !o.Modified.Before(cutoff) {
			res.kept++
			continue
		}
		if dryRun {
			log.Info("would delete", "key", o.Key, "modified", o.Modified, "size", o.Size)
		} else {
			if err := s.Delete(ctx, o.Key); err != nil {
				return res, batch.Unavailable(fmt.Sprintf("delete %s", o.Key), err)
			}
			log.Info("deleted", "key", o.Key, "modified", o.Modified, "size", o.Size)
		}
		res.deleted++
		res.bytes += o.Size
	}
	return res, nil
}
