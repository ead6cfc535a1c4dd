output "bucket_id" {
  description = "Name of the example log bucket."
  value       = module.access_logs.bucket_id
}
