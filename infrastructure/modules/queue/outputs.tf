output "queue_url" {
  description = "URL of the queue (what programs send to and receive from)."
  value       = aws_sqs_queue.this.id
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "kms_key_arn" {
  description = "KMS key of both queues (producers need kms:GenerateDataKey, consumers kms:Decrypt)."
  value       = aws_kms_key.this.arn
}
