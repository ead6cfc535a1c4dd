package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/acme/platform/libs/cloud"
)

// S3 is a blob store in an S3 bucket, optionally under a key prefix.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	res     cloud.Resource
	bucket  string
	prefix  string
}

// NewS3 returns the store named logical over bucket (see NewS3Client).
func NewS3(client *s3.Client, logical, bucket, prefix string) *S3 {
	return &S3{
		client: client, presign: s3.NewPresignClient(client),
		res:    cloud.Resource{Kind: "blob store", Logical: logical, Physical: "s3://" + bucket + "/" + prefix},
		bucket: bucket, prefix: prefix,
	}
}

// Put implements Store. A reader that cannot seek is read into memory
// first (the SDK needs the length to sign the request).
func (s *S3) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) error {
	if err := checkKey(key); err != nil {
		return err
	}
	body, ok := r.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		body = bytes.NewReader(data)
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key), Body: body,
		ContentType: aws.String(contentType(opts.ContentType)),
	})
	return s.err("put", key, err)
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := checkKey(key); err != nil {
		return nil, Info{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	if err != nil {
		return nil, Info{}, s.err("get", key, err)
	}
	return out.Body, Info{
		Key: key, Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType),
		Modified: aws.ToTime(out.LastModified).UTC(),
	}, nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	out := []Info{}
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.err("list", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, Info{
				Key: strings.TrimPrefix(aws.ToString(o.Key), s.prefix), Size: aws.ToInt64(o.Size),
				Modified: aws.ToTime(o.LastModified).UTC(),
			})
		}
	}
	// ListObjectsV2 does not return content types; ask for each (lists are short).
	for i := range out {
		head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + out[i].Key)})
		if err == nil {
			out[i].ContentType = aws.ToString(head.ContentType)
		}
	}
	return sortInfos(out), nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	return s.err("delete", key, err)
}

// PresignGet implements Store with a SigV4 presigned GET URL.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := checkTTL(ttl); err != nil {
		return "", err
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", s.err("presign", key, err)
	}
	return req.URL, nil
}

// err maps S3 errors onto the cloud sentinels, naming the logical store and
// the bucket.
func (s *S3) err(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var noBucket *types.NoSuchBucket
	var noKey *types.NoSuchKey
	var api smithy.APIError
	switch {
	case errors.As(err, &noBucket), errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket":
		return s.res.Missing(nil)
	case errors.As(err, &noKey), errors.As(err, &api) && api.ErrorCode() == "NotFound":
		return fmt.Errorf("%w: blob %q in %s", cloud.ErrNotFound, key, s.res)
	}
	return fmt.Errorf("%s %q in %s: %w", op, key, s.res, err)
}
