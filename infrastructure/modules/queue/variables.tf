variable "name" {
  description = "Name of the queue, e.g. acme-dev-orders-events; the dead-letter queue gets the suffix -dlq."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Seconds a received message stays invisible to other consumers; longer than the slowest handler."
  type        = number
  default     = 60
}

variable "message_retention_seconds" {
  description = "Seconds a message is kept before it is dropped (the maximum is 14 days)."
  type        = number
  default     = 345600
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue."
  type        = number
  default     = 5
}
