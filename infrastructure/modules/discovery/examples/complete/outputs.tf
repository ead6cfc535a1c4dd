output "parameter_names" {
  description = "Names of the example parameters."
  value       = module.discovery.parameter_names
}
