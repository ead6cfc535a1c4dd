variable "project" {
  description = "Project name, the first part of every parameter path (/<project>/<environment>/...)."
  type        = string
}

variable "environment" {
  description = "Environment name, the second part of every parameter path."
  type        = string
}

variable "parameters" {
  description = "Values programs look up at start (config ssm:// references), keyed by their path below /<project>/<environment>/, e.g. buckets/exports or rds/endpoint. Write the keys literally: the infra check reads them to verify config/<env>.yaml."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.parameters) : can(regex("^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$", k))])
    error_message = "Parameter keys are lowercase path segments separated by /, without a leading or trailing /."
  }
}
