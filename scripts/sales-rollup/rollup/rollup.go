// Package rollup is the work of scripts/sales-rollup: read the orders of a
// day (and of the lookback days before it, for late orders), aggregate them
// into daily sales per region (libs/business/reporting), replace those days
// in the daily_sales table and publish each day's export, all or nothing:
// the exports are written inside the database transaction, so a failed
// upload leaves the table as it was, and a rerun of a day replaces that day.
package rollup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/scripts/sales-rollup/export"
)

// Store is the database side of the job (salesdb.Store).
type Store interface {
	// Orders returns the orders created in [from, to).
	Orders(ctx context.Context, from, to time.Time) ([]orders.Order, error)
	// ReplaceDays replaces the rows of days in one transaction, calling
	// beforeCommit inside it.
	ReplaceDays(ctx context.Context, days []string, rows []reporting.DailySales, at time.Time, beforeCommit func(context.Context) error) error
}

// Exports is where the export files go (a libs/cloud blob store).
type Exports interface {
	Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) error
}

// Job rolls up days.
type Job struct {
	Store   Store
	Exports Exports
	// StoreName is the logical name of Exports, for messages ("exports").
	StoreName string
	// Prefix goes before each export key ("daily-sales/").
	Prefix string
	// Location decides where a day starts and ends.
	Location *time.Location
	// Lookback is how many days a run recomputes, ending with its day (>= 1).
	Lookback int
	// Formats are the export encodings (export.Formats()).
	Formats []export.Format
	Now     func() time.Time
	Log     *slog.Logger
}

// Day is the outcome of one day.
type Day struct {
	Day          string   `json:"day"`
	Regions      int      `json:"regions"`
	Orders       int64    `json:"orders"`
	RevenueCents int64    `json:"revenue_cents"`
	Exports      []string `json:"exports"`
}

// Result is the outcome of a run, oldest day first.
type Result struct {
	Days []Day `json:"days"`
	// Rows is the number of daily_sales rows written.
	Rows int `json:"rows"`
	// OrdersRead is the number of orders read, cancelled ones included.
	OrdersRead int `json:"orders_read"`
}

// Run rolls up the day that starts at day (midnight in Location) and the
// Lookback-1 days before it.
func (j *Job) Run(ctx context.Context, day time.Time) (Result, error) {
	loc := j.Location
	if loc == nil {
		loc = time.UTC
	}
	lookback := max(j.Lookback, 1)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	first := day.AddDate(0, 0, -(lookback - 1))
	end := day.AddDate(0, 0, 1)

	list, err := j.Store.Orders(ctx, first, end)
	if err != nil {
		return Result{}, err
	}
	wall := inZone(list, loc)
	res := Result{OrdersRead: len(list)}
	var days []string
	var all []reporting.DailySales
	type file struct {
		key  string
		ct   string
		data []byte
	}
	var files []file
	for d := first; d.Before(end); d = d.AddDate(0, 0, 1) {
		key := d.Format(batch.DayLayout)
		rows := reporting.Rollup(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), wall)
		out := Day{Day: key, Regions: len(rows)}
		for _, r := range rows {
			out.Orders += r.Orders
			out.RevenueCents += r.RevenueCents
		}
		for _, f := range j.Formats {
			data, err := f.Encode(rows)
			if err != nil {
				return Result{}, fmt.Errorf("export %s: %w", key, err)
			}
			k := j.Prefix + key + "." + f.Ext
			files = append(files, file{key: k, ct: f.ContentType, data: data})
			out.Exports = append(out.Exports, k)
		}
		days = append(days, key)
		all = append(all, rows...)
		res.Days = append(res.Days, out)
	}
	res.Rows = len(all)

	upload := func(ctx context.Context) error {
		for _, f := range files {
			if err := j.Exports.Put(ctx, f.key, bytes.NewReader(f.data), blob.PutOptions{ContentType: f.ct}); err != nil {
				return batch.Unavailable(fmt.Sprintf("write %s to blob store %q", f.key, j.StoreName), err)
			}
		}
		return nil
	}
	if err := j.Store.ReplaceDays(ctx, days, all, j.Now(), upload); err != nil {
		return Result{}, err
	}
	for _, d := range res.Days {
		j.Log.Info("day rolled up", "day", d.Day, "regions", d.Regions, "orders", d.Orders, "revenue_cents", d.RevenueCents, "exports", d.Exports)
	}
	return res, nil
}

// inZone re-expresses each order's creation time as its wall-clock time in
// loc, labelled UTC, so that reporting.Rollup (which cuts days in UTC)
// cuts them where loc's days start. For loc UTC it changes nothing.
func inZone(list []orders.Order, loc *time.Location) []orders.Order {
	out := make([]orders.Order, len(list))
	for i, o := range list {
		t := o.CreatedAt.In(loc)
		o.CreatedAt = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		out[i] = o
	}
	return out
}
