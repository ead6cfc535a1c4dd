package cloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/cloud/blob/blobtest"
	"github.com/acme/platform/libs/testenv/moto"
)

// Every suite also runs against moto, the AWS emulator, through the same
// SDK clients the programs use (BaseEndpoint override).

var seq atomic.Int64

func unique(prefix string) string { return prefix + "-" + strconv.FormatInt(seq.Add(1), 10) }

func TestIntegrationS3(t *testing.T) {
	t.Parallel()
	cfg := moto.Shared(t).AWSConfig()
	client := blob.NewS3Client(cfg)
	for _, prefix := range []string{"", "exports/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			t.Parallel()
			blobtest.RunSuite(t, func(t *testing.T) blob.Store {
				bucket := unique("bucket")
				if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
					t.Fatal(err)
				}
				s, err := blob.NewS3(context.Background(), client, "exports", bucket, prefix)
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

func TestIntegrationS3PresignedURLServesTheObject(t *testing.T) {
	t.Parallel()
	cfg := moto.Shared(t).AWSConfig()
	client := blob.NewS3Client(cfg)
	ctx := context.Background()
	bucket := unique("presign")
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	s, err := blob.NewS3(ctx, client, "exports", bucket, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "r.csv", strings.NewReader("a,b\n"), blob.PutOptions{ContentType: "text/csv"}); err != nil {
		t.Fatal(err)
	}
	u, err := s.PresignGet(ctx, "r.csv", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u) // the moto server on 127.0.0.1
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "a,b\n" {
		t.Errorf("GET presigned = %d %q", resp.StatusCode, body)
	}
}

func TestIntegrationMissingBucketNamesBothNames(t *testing.T) {
	t.Parallel()
	cfg := moto.Shared(t).AWSConfig()
	ctx := context.Background()
	s, err := blob.NewS3(ctx, blob.NewS3Client(cfg), "exports", "acme-test-no-such-bucket", "")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(ctx, "x.txt", strings.NewReader("x"), blob.PutOptions{})
	if !errors.Is(err, cloud.ErrNoResource) || !strings.Contains(err.Error(), `"exports"`) || !strings.Contains(err.Error(), "acme-test-no-such-bucket") {
		t.Errorf("Put to a missing bucket = %v; want ErrNoResource naming exports and the bucket", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, cloud.ErrNoResource) {
		t.Errorf("List of a missing bucket = %v", err)
	}
	if _, _, err := s.Get(ctx, "x.txt"); !errors.Is(err, cloud.ErrNoResource) {
		t.Errorf("Get from a missing bucket = %v", err)
	}
	if err := s.Delete(ctx, "x.txt"); !errors.Is(err, cloud.ErrNoResource) {
		t.Errorf("Delete from a missing bucket = %v", err)
	}
}
