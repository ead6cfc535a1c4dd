output "state_bucket" {
  description = "Name of the state bucket, for live/<env>.backend.hcl."
  value       = module.state.bucket_id
}

output "state_kms_key_arn" {
  description = "KMS key that encrypts the state."
  value       = module.state.kms_key_arn
}
