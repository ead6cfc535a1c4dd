variable "bucket" {
  description = "Name of the bucket (globally unique), e.g. acme-dev-artifacts-123456789012."
  type        = string
}

variable "access_log_bucket" {
  description = "Bucket that receives this bucket's server access logs (from the access-logs module)."
  type        = string
}

variable "expiration_days" {
  description = "Delete current objects this many days after they were written (null keeps them)."
  type        = number
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Delete overwritten or deleted object versions this many days after they became noncurrent."
  type        = number
  default     = 90
}

variable "transition_to_ia_days" {
  description = "Move current objects to STANDARD_IA after this many days (null never moves them)."
  type        = number
  default     = null
}

variable "replication_enabled" {
  description = "Replicate every object to a bucket of the same name plus -replica in the replica provider's region (prod)."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Allow Terraform to delete the bucket with objects in it. Keep false outside throwaway environments."
  type        = bool
  default     = false
}
