package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/testenv"
)

// folder makes an exports folder with objects aged as given (days before now).
func folder(t *testing.T, now time.Time, ages map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	for key, days := range ages {
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("day,region\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		at := now.AddDate(0, 0, -days)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func list(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestRun(t *testing.T) {
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		args []string
		code int
		left []string
		want string
	}{
		{"deletes old", []string{"--older-than-days", "30"}, batch.ExitOK,
			[]string{"other/keep.csv", "sales-rollup/daily-sales/2026-11-27.csv", "sales-rollup/daily-sales/2026-11-27.parquet"}, `"deleted":2`},
		{"dry run", []string{"--older-than-days", "30", "--dry-run"}, batch.ExitOK,
			[]string{"other/keep.csv", "sales-rollup/daily-sales/2026-01-01.csv", "sales-rollup/daily-sales/2026-10-01.csv", "sales-rollup/daily-sales/2026-11-27.csv", "sales-rollup/daily-sales/2026-11-27.parquet"}, "would delete"},
		{"bad days", []string{"--older-than-days", "0"}, batch.ExitBadInput, nil, "between 1 and 3650"},
		{"empty prefix", []string{"--prefix", ""}, batch.ExitBadInput, nil, "must not be empty"},
		{"unknown store", []string{"--store", "nope"}, batch.ExitFailed, nil, "shared.blobs.nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := folder(t, now, map[string]int{
				"sales-rollup/daily-sales/2026-01-01.csv": 331, "sales-rollup/daily-sales/2026-10-01.csv": 58,
				"sales-rollup/daily-sales/2026-11-27.csv": 1, "sales-rollup/daily-sales/2026-11-27.parquet": 1, "other/keep.csv": 400,
			})
			environ := []string{"ENV=local", "CONFIG_DIR=" + filepath.Join(root, "config"), "SHARED__BLOBS__EXPORTS__DIR=" + dir, "SHARED__LOG__FORMAT=json"}
			getenv := func(k string) string {
				for _, kv := range environ {
					if v, ok := strings.CutPrefix(kv, k+"="); ok {
						return v
					}
				}
				return ""
			}
			var out bytes.Buffer
			err := run(context.Background(), tt.args, getenv, environ, func() time.Time { return now }, &out, &out)
			if code := batch.Code(err); code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Fatalf("exit %d (want %d), want %q in:\n%s", code, tt.code, tt.want, out.String())
			}
			if tt.left != nil {
				if got := strings.Join(list(t, dir), " "); got != strings.Join(tt.left, " ") {
					t.Errorf("left %s\nwant %s", got, strings.Join(tt.left, " "))
				}
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			var last map[string]any
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last["msg"] != "summary" {
				t.Errorf("last line is no summary: %s", lines[len(lines)-1])
			}
		})
	}
}
