package blob_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

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
	if _, ok := s.(*blob.Folder); !ok {
		t.Errorf("exports is %T, want *blob.Folder", s)
	}
	if err := s.Put(ctx, "a.txt", strings.NewReader("a"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := filepath.Glob(filepath.Join(base, "data/exports/a.txt")); err != nil {
		t.Error(err)
	}
	if s, err := blob.Open(ctx, "scratch", stores, blob.Options{}); err != nil {
		t.Error(err)
	} else if _, ok := s.(*blob.Memory); !ok {
		t.Errorf("scratch is %T", s)
	}
	if _, err := blob.Open(ctx, "odd", stores, blob.Options{}); !errors.Is(err, cloud.ErrInvalid) {
		t.Errorf("Open(odd) = %v, want ErrInvalid", err)
	}
	_, err = blob.Open(ctx, "missing", stores, blob.Options{})
	if !errors.Is(err, cloud.ErrNotConfigured) || !strings.Contains(err.Error(), "shared.blobs.missing") {
		t.Errorf("Open(missing) = %v, want ErrNotConfigured naming the key", err)
	}
}
