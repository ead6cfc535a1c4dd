variable "description" {
  description = "What the key encrypts (shown in the KMS console)."
  type        = string
}

variable "alias" {
  description = "Alias of the key without the alias/ prefix (e.g. acme-dev-rds); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.alias == null || can(regex("^[A-Za-z0-9/_-]+$", var.alias))
    error_message = "alias is the name after alias/: letters, digits, /, _ and - only."
  }
}

variable "enable_key_rotation" {
  description = "Rotate the key material every year. On by default; turning it off fails the checkov check CKV_AWS_7."
  type        = bool
  default     = true
}

variable "deletion_window_in_days" {
  description = "Days a deleted key can still be restored (7 to 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "cloudwatch_log_group_names" {
  description = "Log group names (wildcards allowed, e.g. /aws/eks/acme-dev/*) that CloudWatch Logs may encrypt with the key; empty for none."
  type        = list(string)
  default     = []
}
