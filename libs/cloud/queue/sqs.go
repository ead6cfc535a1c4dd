package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/acme/platform/libs/cloud"
)

// SQS is a queue in Amazon SQS. Dead-lettering after too many receives is
// the queue's redrive policy (Terraform sets it); DeadLetter sends to the
// queue that policy names.
type SQS struct {
	client *sqs.Client
	url    string
	res    cloud.Resource

	dlqOnce sync.Once
	dlqURL  string
	dlqErr  error
}

// NewSQS returns the queue named logical at url.
func NewSQS(client *sqs.Client, logical, url string) *SQS {
	return &SQS{client: client, url: url, res: cloud.Resource{Kind: "queue", Logical: logical, Physical: url}}
}

// Send implements Queue.
func (q *SQS) Send(ctx context.Context, body []byte, attrs map[string]string) (string, error) {
	return q.send(ctx, q.url, body, attrs)
}

func (q *SQS) send(ctx context.Context, url string, body []byte, attrs map[string]string) (string, error) {
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body))}
	if len(attrs) > 0 {
		in.MessageAttributes = map[string]types.MessageAttributeValue{}
		for k, v := range attrs {
			in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	out, err := q.client.SendMessage(ctx, in)
	if err != nil {
		return "", q.err("send to", err)
	}
	return aws.ToString(out.MessageId), nil
}

// Receive implements Queue.
func (q *SQS) Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	if err := checkReceive(max, wait); err != nil {
		return nil, err
	}
	out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(q.url), MaxNumberOfMessages: int32(max), WaitTimeSeconds: int32(wait / time.Second),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		return nil, q.err("receive from", err)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		n, _ := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
		attrs := map[string]string{}
		for k, v := range m.MessageAttributes {
			attrs[k] = aws.ToString(v.StringValue)
		}
		msgs = append(msgs, Message{ID: aws.ToString(m.MessageId), Body: []byte(aws.ToString(m.Body)), Attributes: attrs, Receives: n, Receipt: aws.ToString(m.ReceiptHandle)})
	}
	return msgs, nil
}

// Ack implements Queue.
func (q *SQS) Ack(ctx context.Context, m Message) error {
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(m.Receipt)})
	return q.err("ack on", err)
}

// DeadLetter implements Queue: it copies the message to the dead-letter
// queue of the redrive policy, then deletes it here.
func (q *SQS) DeadLetter(ctx context.Context, m Message) error {
	dlq, err := q.deadLetterURL(ctx)
	if err != nil {
		return err
	}
	if _, err := q.send(ctx, dlq, m.Body, m.Attributes); err != nil {
		return err
	}
	return q.Ack(ctx, m)
}

// deadLetterURL reads the redrive policy once.
func (q *SQS) deadLetterURL(ctx context.Context) (string, error) {
	q.dlqOnce.Do(func() {
		out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(q.url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
		})
		if err != nil {
			q.dlqErr = q.err("read redrive policy of", err)
			return
		}
		var policy struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}
		raw := out.Attributes[string(types.QueueAttributeNameRedrivePolicy)]
		if raw == "" || json.Unmarshal([]byte(raw), &policy) != nil || policy.DeadLetterTargetArn == "" {
			q.dlqErr = fmt.Errorf("%w: %s has no redrive policy naming a dead-letter queue", cloud.ErrInvalid, q.res)
			return
		}
		name := policy.DeadLetterTargetArn[strings.LastIndex(policy.DeadLetterTargetArn, ":")+1:]
		u, err := q.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			q.dlqErr = cloud.Resource{Kind: "dead-letter queue", Logical: q.res.Logical + " (dead letters)", Physical: policy.DeadLetterTargetArn}.Missing(err)
			return
		}
		q.dlqURL = aws.ToString(u.QueueUrl)
	})
	return q.dlqURL, q.dlqErr
}

func (q *SQS) err(op string, err error) error {
	if err == nil {
		return nil
	}
	var missing *types.QueueDoesNotExist
	var api smithy.APIError
	if errors.As(err, &missing) || errors.As(err, &api) && (api.ErrorCode() == "AWS.SimpleQueueService.NonExistentQueue" || api.ErrorCode() == "QueueDoesNotExist") {
		return q.res.Missing(nil)
	}
	return fmt.Errorf("%s %s: %w", op, q.res, err)
}
