variable "name_prefix" {
  description = "Prefix of every secret name, e.g. acme/dev; a secret is then acme/dev/<program>/<name>."
  type        = string
}

variable "secrets" {
  description = "Secrets to create, keyed by <program>/<name>. Values are set out of band (aws secretsmanager put-secret-value), never in Terraform. rotation_lambda_arn turns on rotation for kinds AWS can rotate."
  type = map(object({
    description         = string
    rotation_lambda_arn = optional(string)
    rotation_days       = optional(number, 30)
  }))
  default = {}

  validation {
    condition     = alltrue([for s in values(var.secrets) : s.rotation_days >= 1 && s.rotation_days <= 90])
    error_message = "Rotate every secret at least every 90 days (rotation_days between 1 and 90)."
  }
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}
