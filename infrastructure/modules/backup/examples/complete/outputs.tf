output "vault_arn" {
  description = "ARN of the example vault."
  value       = module.backup.vault_arn
}
