output "secret_names" {
  description = "Names of the example secrets."
  value       = module.secrets.secret_names
}
