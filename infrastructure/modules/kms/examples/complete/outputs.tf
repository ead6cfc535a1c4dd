output "key_arn" {
  description = "ARN of the example key."
  value       = module.kms.key_arn
}
