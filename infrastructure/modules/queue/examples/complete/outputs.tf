output "queue_url" {
  description = "URL of the example queue."
  value       = module.queue.queue_url
}
