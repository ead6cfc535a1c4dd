variable "name" {
  description = "Prefix of every role name, e.g. acme-dev."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster whose service accounts assume the program and CI roles through Pod Identity."
  type        = string
}

variable "cluster_arn" {
  description = "ARN of the EKS cluster (CI may describe it to write a kubeconfig)."
  type        = string
}

variable "parameter_path" {
  description = "SSM parameter path every program and CI may read, e.g. /acme/dev (the discovery module's prefix)."
  type        = string
}

variable "programs" {
  description = "One Pod Identity role per program with exactly the access it needs: its bucket prefixes (read-write, read_only, or delete_only: list and delete, no object contents), its secrets and optional IAM login to the database as its own users."
  type = map(object({
    namespace       = string
    service_account = string
    buckets = optional(list(object({
      arn         = string
      kms_key_arn = string
      prefixes    = list(string)
      read_only   = optional(bool, false)
      delete_only = optional(bool, false)
    })), [])
    secret_arns    = optional(list(string), [])
    database_users = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue(flatten([for p in values(var.programs) : [for b in p.buckets : !(b.read_only && b.delete_only)]]))
    error_message = "A bucket of a program is read_only or delete_only, not both."
  }
}

variable "secrets_kms_key_arn" {
  description = "KMS key of the programs' secrets (from the secrets module); null when no program reads secrets."
  type        = string
  default     = null
}

variable "database_resource_id" {
  description = "Resource ID of the RDS instance, for rds-db:connect; null when no program logs in with IAM."
  type        = string
  default     = null
}

variable "ci" {
  description = "The CI/CD role of the Bamboo agents: the service account they run as, extra principals that may assume it, the ECR repository prefix they push to and the buckets they write (build cache, artifacts)."
  type = object({
    namespace              = string
    service_account        = string
    trusted_principal_arns = optional(list(string), [])
    ecr_repository_prefix  = string
    buckets = list(object({
      arn         = string
      kms_key_arn = string
    }))
  })
}

variable "people_trusted_principal_arns" {
  description = "Principals (identity account or IAM Identity Center roles) that may assume the read-only and admin roles, always with MFA."
  type        = list(string)
  default     = []
}

variable "people_max_session_seconds" {
  description = "Maximum session length of the people roles."
  type        = number
  default     = 3600
}
