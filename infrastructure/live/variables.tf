################################################################################
# Identity of the environment
################################################################################

variable "project" {
  description = "Project name: prefix of resource names and of the discovery parameters."
  type        = string
}

variable "environment" {
  description = "Environment name (dev, staging, prod)."
  type        = string
}

variable "account_id" {
  description = "AWS account of the environment; the provider refuses to touch any other."
  type        = string
}

variable "region" {
  description = "Primary AWS region."
  type        = string
}

variable "replica_region" {
  description = "Disaster-recovery region for S3 replicas and RDS backup copies."
  type        = string
}

variable "owner" {
  description = "Team that owns the environment (Owner cost-allocation tag)."
  type        = string
}

variable "cost_center" {
  description = "Cost center that pays for the environment (CostCenter cost-allocation tag)."
  type        = string
}

################################################################################
# Network
################################################################################

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
}

variable "azs" {
  description = "Availability zones of the VPC."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for the VPC instead of one per zone."
  type        = bool
}

variable "log_retention_days" {
  description = "Days to keep flow logs and control plane logs."
  type        = number
}

################################################################################
# Kubernetes
################################################################################

variable "kubernetes_version" {
  description = "Kubernetes minor version of the cluster."
  type        = string
}

variable "system_node_group" {
  description = "On-demand system node group: instance types and sizes."
  type = object({
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
  })
}

variable "spot_node_group" {
  description = "Spot application node group: instance types (three or more) and sizes."
  type = object({
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
  })
}

variable "scale_down_at_night" {
  description = "Scale the spot node group to zero on weekday nights."
  type        = bool
}

################################################################################
# Database
################################################################################

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "db_multi_az" {
  description = "Run the database with a standby in a second zone."
  type        = bool
}

variable "db_deletion_protection" {
  description = "Protect the database from deletion."
  type        = bool
}

variable "db_backup_retention_days" {
  description = "Days of automated database backups."
  type        = number
}

variable "db_insights_and_monitoring" {
  description = "Performance Insights and 60-second enhanced monitoring on the database."
  type        = bool
}

variable "db_cross_region_backups" {
  description = "Replicate database backups to the replica region."
  type        = bool
}

################################################################################
# Storage, backup, cost
################################################################################

variable "s3_replication" {
  description = "Replicate the durable buckets to the replica region."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days to keep daily AWS Backup recovery points."
  type        = number
}

variable "backup_vault_lock" {
  description = "Lock the backup vault (governance mode)."
  type        = bool
}

variable "budget_monthly_usd" {
  description = "Monthly budget of the environment in US dollars."
  type        = number
}

variable "alert_emails" {
  description = "Addresses for budget and cost anomaly alerts."
  type        = list(string)
}

################################################################################
# Access
################################################################################

variable "people_trusted_principal_arns" {
  description = "Principals that may assume the read-only and admin roles (with MFA)."
  type        = list(string)
}

variable "ci_trusted_principal_arns" {
  description = "Principals outside the cluster that may assume the CI role (Bamboo agents elsewhere)."
  type        = list(string)
  default     = []
}
