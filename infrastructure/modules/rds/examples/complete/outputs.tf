output "endpoint" {
  description = "Endpoint of the example database."
  value       = module.rds.endpoint
}
