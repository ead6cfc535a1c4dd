variable "project" {
  description = "Project name: prefix of the state bucket's name."
  type        = string
}

variable "environment" {
  description = "Environment whose state bucket this creates (dev, staging, prod)."
  type        = string
}

variable "account_id" {
  description = "AWS account of the environment; the state bucket lives in it."
  type        = string
}

variable "region" {
  description = "Region of the state bucket (the environment's primary region)."
  type        = string
}

variable "owner" {
  description = "Team that owns the environment (Owner cost-allocation tag)."
  type        = string
}

variable "cost_center" {
  description = "Cost center of the environment (CostCenter cost-allocation tag)."
  type        = string
}
