output "bucket_id" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "KMS key that encrypts the bucket's objects (programs need kms:Decrypt and kms:GenerateDataKey on it)."
  value       = module.kms.key_arn
}

output "replica_bucket_arn" {
  description = "ARN of the replica bucket in the other region, or null without replication."
  value       = one(aws_s3_bucket.replica[*].arn)
}
