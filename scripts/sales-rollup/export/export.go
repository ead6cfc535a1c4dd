// Package export encodes one day of daily sales as the files the job
// publishes to the "exports" blob store: CSV for people and spreadsheets,
// Parquet (typed columns, compressed) for pandas, DuckDB or Athena.
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/acme/platform/libs/business/reporting"
)

// Format is one encoding of an export.
type Format struct {
	// Ext is the file name extension, without the dot.
	Ext string
	// ContentType is stored with the object.
	ContentType string
	// Encode renders the rows.
	Encode func(rows []reporting.DailySales) ([]byte, error)
}

// Formats returns the formats by extension: csv and parquet.
func Formats() map[string]Format {
	return map[string]Format{
		"csv":     {Ext: "csv", ContentType: "text/csv; charset=utf-8", Encode: CSV},
		"parquet": {Ext: "parquet", ContentType: "application/vnd.apache.parquet", Encode: Parquet},
	}
}

// Header returns the first line of the CSV export.
func Header() []string { return []string{"day", "region", "orders", "revenue_cents"} }

// CSV encodes rows as CSV with a header line; no rows is the header alone,
// so a day without sales still has its export.
func CSV(rows []reporting.DailySales) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(Header()); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := w.Write([]string{r.Day, r.Region, strconv.FormatInt(r.Orders, 10), strconv.FormatInt(r.RevenueCents, 10)}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("encode csv: %w", err)
	}
	return b.Bytes(), nil
}

// Row is the Parquet schema of the export.
type Row struct {
	Day          string `parquet:"day"`
	Region       string `parquet:"region"`
	Orders       int64  `parquet:"orders"`
	RevenueCents int64  `parquet:"revenue_cents"`
}

// Parquet encodes rows as a Parquet file (zstd-compressed columns).
func Parquet(rows []reporting.DailySales) ([]byte, error) {
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = Row{Day: r.Day, Region: r.Region, Orders: r.Orders, RevenueCents: r.RevenueCents}
	}
	var b bytes.Buffer
	if err := parquet.Write(&b, out, parquet.Compression(&parquet.Zstd)); err != nil {
		return nil, fmt.Errorf("encode parquet: %w", err)
	}
	return b.Bytes(), nil
}

// ReadParquet decodes a Parquet export (tests and tools).
func ReadParquet(data []byte) ([]Row, error) {
	return parquet.Read[Row](bytes.NewReader(data), int64(len(data)))
}
