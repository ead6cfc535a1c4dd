variable "bucket" {
  description = "Name of the bucket that collects server access logs (globally unique)."
  type        = string
}

variable "expiration_days" {
  description = "Delete access logs this many days after delivery."
  type        = number
  default     = 365
}
