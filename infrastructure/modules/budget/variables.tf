variable "name" {
  description = "Name of the budget and the anomaly monitor, e.g. acme-dev."
  type        = string
}

variable "environment" {
  description = "Environment whose cost the budget tracks, through the Environment cost-allocation tag."
  type        = string
}

variable "monthly_limit_usd" {
  description = "Monthly budget in US dollars."
  type        = number
}

variable "alert_emails" {
  description = "Addresses that receive budget and cost anomaly alerts."
  type        = list(string)

  validation {
    condition     = length(var.alert_emails) > 0
    error_message = "Give at least one alert address."
  }
}

variable "alert_thresholds_percent" {
  description = "Alert when actual spend passes these percentages of the budget; a forecast above 100% alerts as well."
  type        = list(number)
  default     = [80, 100]
}

variable "anomaly_threshold_usd" {
  description = "Alert on a cost anomaly whose impact exceeds this many dollars."
  type        = number
  default     = 50
}

variable "required_tags" {
  description = "Cost-allocation tag keys every resource carries (set through the provider's default_tags)."
  type        = list(string)
}

variable "activate_cost_allocation_tags" {
  description = "Activate the required tags as cost-allocation tags. Only the organization's management (payer) account can, so member accounts leave this off."
  type        = bool
  default     = false
}
