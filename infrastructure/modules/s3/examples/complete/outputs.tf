output "bucket_arn" {
  description = "ARN of the example bucket."
  value       = module.s3.bucket_arn
}
