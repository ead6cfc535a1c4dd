variable "name" {
  description = "Identifier of the database instance, e.g. acme-dev; also the prefix of its parameter group, key and roles."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major version; minor versions are upgraded automatically in the maintenance window."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "Instance class of the database, e.g. db.t4g.medium in dev, db.r7g.large in prod."
  type        = string
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage in GiB."
  type        = number
  default     = 50
}

variable "max_allocated_storage_gb" {
  description = "Upper bound for storage autoscaling in GiB."
  type        = number
  default     = 500
}

variable "subnet_ids" {
  description = "Database subnets (no route to the internet), at least two zones."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the instance (from the security module: PostgreSQL from the nodes only)."
  type        = list(string)
}

variable "database_name" {
  description = "Name of the database created with the instance."
  type        = string
  default     = "platform"
}

variable "master_username" {
  description = "Master user; its password is generated and rotated by RDS in Secrets Manager, never seen by Terraform."
  type        = string
  default     = "platform_admin"
}

variable "multi_az" {
  description = "Run a standby in a second zone with automatic failover."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the instance until this is switched off."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "The backup_retention_days must be between 1 and 35."
  }
}

variable "performance_insights_enabled" {
  description = "Turn on Performance Insights (encrypted with the instance's key)."
  type        = bool
  default     = true
}

variable "monitoring_interval" {
  description = "Seconds between enhanced monitoring samples: 0 (off), 1, 5, 10, 15, 30 or 60."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "The monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "log_min_duration_ms" {
  description = "Log every statement slower than this many milliseconds (-1 turns slow-query logging off)."
  type        = number
  default     = 500
}

variable "cross_region_backup_replication" {
  description = "Copy automated backups and snapshots to the replica provider's region (disaster recovery; prod)."
  type        = bool
  default     = false
}

variable "replica_backup_retention_days" {
  description = "Days to keep the replicated backups in the other region."
  type        = number
  default     = 7
}
