variable "name" {
  description = "Name of the backup vault and plan, e.g. acme-dev."
  type        = string
}

variable "resource_arns" {
  description = "ARNs of the resources to back up: the RDS instance and the S3 buckets (S3 buckets need versioning, which the s3 module always turns on)."
  type        = list(string)
}

variable "daily_retention_days" {
  description = "Days to keep the daily recovery points."
  type        = number
  default     = 35
}

variable "monthly_retention_days" {
  description = "Days to keep the monthly recovery points (0 takes no monthly backups)."
  type        = number
  default     = 365
}

variable "vault_lock" {
  description = "Lock the vault in governance mode so that recovery points cannot be deleted before min_retention_days (prod)."
  type = object({
    enabled            = bool
    min_retention_days = optional(number, 7)
    max_retention_days = optional(number, 400)
  })
  default = { enabled = false }
}
