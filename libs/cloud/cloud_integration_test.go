package cloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/cloud/blob/blobtest"
	"github.com/acme/platform/libs/cloud/params"
	"github.com/acme/platform/libs/cloud/params/paramstest"
	"github.com/acme/platform/libs/cloud/queue"
	"github.com/acme/platform/libs/cloud/queue/queuetest"
	"github.com/acme/platform/libs/cloud/secrets"
	"github.com/acme/platform/libs/cloud/secrets/secretstest"
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
				return blob.NewS3(client, "exports", bucket, prefix)
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
	s := blob.NewS3(client, "exports", bucket, "")
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
	s := blob.NewS3(blob.NewS3Client(cfg), "exports", "acme-test-no-such-bucket", "")
	ctx := context.Background()
	err := s.Put(ctx, "x.txt", strings.NewReader("x"), blob.PutOptions{})
	if !errors.Is(err, cloud.ErrNoResource) || !strings.Contains(err.Error(), `"exports"`) || !strings.Contains(err.Error(), "acme-test-no-such-bucket") {
		t.Errorf("Put to a missing bucket = %v; want ErrNoResource naming exports and the bucket", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, cloud.ErrNoResource) {
		t.Errorf("List of a missing bucket = %v", err)
	}
}

func TestIntegrationSQS(t *testing.T) {
	t.Parallel()
	cfg := moto.Shared(t).AWSConfig()
	client := queue.NewSQSClient(cfg)
	queuetest.RunSuite(t, func(t *testing.T, spec queuetest.Spec) (queue.Queue, queue.Queue) {
		ctx := context.Background()
		dlqName := unique("dead")
		dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(dlqName)})
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		policy, _ := json.Marshal(map[string]string{
			"deadLetterTargetArn": attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)],
			"maxReceiveCount":     strconv.Itoa(spec.MaxReceives),
		})
		q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(unique("order-events")), Attributes: map[string]string{
			"VisibilityTimeout": strconv.Itoa(int(spec.Visibility / time.Second)),
			"RedrivePolicy":     string(policy),
		}})
		if err != nil {
			t.Fatal(err)
		}
		return queue.NewSQS(client, "order-events", aws.ToString(q.QueueUrl)), queue.NewSQS(client, "order-events-dead", aws.ToString(dlq.QueueUrl))
	})
}

func TestIntegrationMissingQueueNamesBothNames(t *testing.T) {
	t.Parallel()
	srv := moto.Shared(t)
	url := srv.Endpoint + "/123456789012/acme-test-no-such-queue"
	q := queue.NewSQS(queue.NewSQSClient(srv.AWSConfig()), "order-events", url)
	_, err := q.Send(context.Background(), []byte("x"), nil)
	if !errors.Is(err, cloud.ErrNoResource) || !strings.Contains(err.Error(), `"order-events"`) || !strings.Contains(err.Error(), "acme-test-no-such-queue") {
		t.Errorf("Send to a missing queue = %v; want ErrNoResource naming order-events and the URL", err)
	}
}

func TestIntegrationSecretsManager(t *testing.T) {
	t.Parallel()
	client := secrets.NewSecretsManagerClient(moto.Shared(t).AWSConfig())
	secretstest.RunSuite(t, true, func(t *testing.T, seed map[string][]string) secrets.Store {
		ctx := context.Background()
		prefix := unique("acme/test") + "/"
		for name, values := range seed {
			id := prefix + name
			if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(id), SecretString: aws.String(values[0])}); err != nil {
				t.Fatal(err)
			}
			for _, v := range values[1:] {
				time.Sleep(1100 * time.Millisecond) // distinct creation times, which order versions
				if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(v)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return secrets.NewSecretsManager(client, prefix)
	})
}

func TestIntegrationSSM(t *testing.T) {
	t.Parallel()
	client := params.NewSSMClient(moto.Shared(t).AWSConfig())
	paramstest.RunSuite(t, func(t *testing.T, seed map[string]string) params.Store {
		for k, v := range seed {
			_, err := client.PutParameter(context.Background(), &ssm.PutParameterInput{
				Name: aws.String(k), Value: aws.String(v), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
			})
			if err != nil {
				t.Fatal(fmt.Errorf("put %s: %w", k, err))
			}
		}
		return params.NewSSM(client)
	})
}
