output "secret_arns" {
  description = "ARN of every secret, keyed like the secrets input."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "secret_names" {
  description = "Full name of every secret (what secret:// references use), keyed like the secrets input."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}

output "kms_key_arn" {
  description = "KMS key of the secrets (readers need kms:Decrypt on it)."
  value       = module.kms.key_arn
}
