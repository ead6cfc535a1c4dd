output "database_security_group_id" {
  description = "Security group that admits PostgreSQL from the nodes only."
  value       = module.security.database_security_group_id
}
