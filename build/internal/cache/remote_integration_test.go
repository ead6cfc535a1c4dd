package cache_test

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/acme/platform/build/internal/cache"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/testenv/moto"
)

var seq atomic.Int64

// TestIntegrationRemoteS3 runs the remote suite on S3 (moto), with a key
// prefix as mono.yaml's cache.remote.prefix sets one.
func TestIntegrationRemoteS3(t *testing.T) {
	t.Parallel()
	client := blob.NewS3Client(moto.Shared(t).AWSConfig())
	runRemoteSuite(t, func(t *testing.T) cache.Objects {
		bucket := "mono-cache-" + strconv.FormatInt(seq.Add(1), 10)
		if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		b, err := blob.NewS3(context.Background(), client, "mono-cache", bucket, "ci/")
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// TestIntegrationRemoteS3Unreachable: an endpoint nobody listens on is one
// warning within the timeout, then the local store alone.
func TestIntegrationRemoteS3Unreachable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration test skipped under -short")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	cfg := moto.Server{Endpoint: endpoint}
	b, err := blob.NewS3(context.Background(), blob.NewS3Client(cfg.AWSConfig()), "mono-cache", "cache", "")
	if err != nil {
		t.Fatal(err)
	}
	local, err := cache.NewLocal(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s := cache.NewTiered(local, cache.NewRemote(b, "s3://cache/"), cache.TieredOptions{Timeout: 5 * time.Second})
	start := time.Now()
	_, err = s.Get(context.Background(), key1)
	if _, ok := err.(*cache.Warning); !ok {
		t.Fatalf("Get = %v; want a Warning", err)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("Get took %s; want at most the timeout", d)
	}
	start = time.Now()
	if _, err := s.Get(context.Background(), key1); err != cache.ErrNotFound {
		t.Errorf("second Get = %v; want a plain miss", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("second Get took %s; the remote should not be asked again", d)
	}
}
