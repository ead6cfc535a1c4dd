output "path" {
  description = "Common prefix of the parameters, /<project>/<environment>."
  value       = "/${var.project}/${var.environment}"
}

output "parameter_names" {
  description = "Full name of every parameter, keyed like the parameters input."
  value       = { for k, p in aws_ssm_parameter.this : k => p.name }
}
