package blob_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/cloud/blob/blobtest"
	"github.com/acme/platform/libs/config/components"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	blobtest.RunSuite(t, func(t *testing.T) blob.Store { return blob.NewMemory("exports") })
}

func TestFolder(t *testing.T) {
	t.Parallel()
	blobtest.RunSuite(t, func(t *testing.T) blob.Store {
		s, err := blob.NewFolder("exports", filepath.Join(t.TempDir(), "exports"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	stores := map[string]components.BlobStore{
		"exports": {Type: "local", Dir: "data/exports"},
		"scratch": {Type: "memory"},
		"odd":     {Type: "ftp"},
	}
	ctx := context.Background()
	s, err := blob.Open(ctx, "exports", stores, blob.Options{BaseDir: base})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "a.txt", strings.NewReader("a"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(base, "data/exports/a.txt")); err != nil || string(b) != "a" {
		t.Errorf("the local store wrote %q, %v; want a under dir, relative to BaseDir", b, err)
	}
	if _, err := blob.Open(ctx, "scratch", stores, blob.Options{}); err != nil {
		t.Error(err)
	}
	if _, err := blob.Open(ctx, "odd", stores, blob.Options{}); !errors.Is(err, cloud.ErrInvalid) {
		t.Errorf("Open(odd) = %v, want ErrInvalid", err)
	}
	_, err = blob.Open(ctx, "missing", stores, blob.Options{})
	if !errors.Is(err, cloud.ErrNotConfigured) || !strings.Contains(err.Error(), "shared.blobs.missing") {
		t.Errorf("Open(missing) = %v, want ErrNotConfigured naming the key", err)
	}
}

// TestFolderFiles checks what only a folder has: objects are plain files
// under it, the presigned URL is the file itself, and the names the driver
// keeps for itself (content type sidecars, files being written) are
// neither objects nor valid keys.
func TestFolderFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "exports")
	s, err := blob.NewFolder("exports", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "daily/r.csv", strings.NewReader("a,b\n"), blob.PutOptions{ContentType: "text/csv"}); err != nil {
		t.Fatal(err)
	}
	u, err := s.PresignGet(ctx, "daily/r.csv", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "file" || parsed.Query().Get("expires") == "" {
		t.Fatalf("PresignGet = %q, %v; want a file:// URL with an expiry", u, err)
	}
	if b, err := os.ReadFile(filepath.FromSlash(parsed.Path)); err != nil || string(b) != "a,b\n" {
		t.Errorf("the presigned file holds %q, %v", b, err)
	}
	// A write in flight, as fileblob names it.
	if err := os.WriteFile(filepath.Join(dir, "daily", "s.csv.18a2b3c4d5e6f708.tmp"), []byte("a,"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, "")
	if err != nil || len(got) != 1 || got[0].Key != "daily/r.csv" || got[0].ContentType != "text/csv" {
		t.Errorf("List = %+v, %v; want daily/r.csv only", got, err)
	}
	for _, k := range []string{"daily/r.csv.attrs", "daily/s.csv.18a2b3c4d5e6f708.tmp"} {
		if err := s.Put(ctx, k, strings.NewReader("x"), blob.PutOptions{}); !errors.Is(err, cloud.ErrInvalid) {
			t.Errorf("Put(%q) = %v, want ErrInvalid", k, err)
		}
	}
}

// TestS3ClientRetries checks that the cloud retry policy is what the S3
// client uses, even from a configuration that asks for few attempts.
func TestS3ClientRetries(t *testing.T) {
	t.Parallel()
	c := blob.NewS3Client(aws.Config{Region: "eu-central-1", RetryMaxAttempts: 2})
	if got, want := c.Options().Retryer.MaxAttempts(), cloud.Retryer().MaxAttempts(); got != want {
		t.Errorf("S3 client makes %d attempts, want the cloud policy's %d", got, want)
	}
}
