output "program_role_arns" {
  description = "Pod Identity roles of the example programs."
  value       = module.iam.program_role_arns
}
