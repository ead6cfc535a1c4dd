output "instance_id" {
  description = "Identifier of the database instance."
  value       = aws_db_instance.this.identifier
}

output "instance_arn" {
  description = "ARN of the database instance (for AWS Backup selections)."
  value       = aws_db_instance.this.arn
}

output "resource_id" {
  description = "Resource ID of the instance, used in rds-db:connect IAM policies."
  value       = aws_db_instance.this.resource_id
}

output "endpoint" {
  description = "Connection endpoint, host:port."
  value       = aws_db_instance.this.endpoint
}

output "address" {
  description = "Host name of the instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the database created with the instance."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret that holds the master credentials (managed and rotated by RDS)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "kms_key_arn" {
  description = "KMS key of the database storage and its master secret."
  value       = module.kms.key_arn
}
