variable "name_prefix" {
  description = "Path before every repository name (mono.yaml images.repository, the project): repositories are <name_prefix>/<repository>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+([._-][a-z0-9]+)*$", var.name_prefix))
    error_message = "name_prefix is one lowercase path segment (letters, digits, ., _ and -)."
  }
}

variable "repositories" {
  description = "One repository per program: the component names that mono image build pushes (orders-api, pricing, ...)."
  type        = set(string)

  validation {
    condition     = alltrue([for r in var.repositories : can(regex("^[a-z0-9]+([._-][a-z0-9]+)*$", r))])
    error_message = "Each repository is a lowercase component name (letters, digits, ., _ and -)."
  }
}

variable "keep_tagged_images" {
  description = "Tagged images kept per repository; older ones expire (a tag is a git revision, so this is how many builds can be rolled back to)."
  type        = number
  default     = 50

  validation {
    condition     = var.keep_tagged_images >= 1
    error_message = "keep_tagged_images must be at least 1."
  }
}

variable "untagged_expire_days" {
  description = "Days after which untagged images (pushes that a later push of the same tag never got, failed uploads) expire."
  type        = number
  default     = 14

  validation {
    condition     = var.untagged_expire_days >= 1
    error_message = "untagged_expire_days must be at least 1."
  }
}

variable "pull_principal_arns" {
  description = "IAM principals (roles or accounts of other environments) that may pull from every repository; empty for the account's own IAM only."
  type        = list(string)
  default     = []
}
