output "program_role_arns" {
  description = "Pod Identity role of every program, keyed like the programs input."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "ci_role_arn" {
  description = "Role of the Bamboo agents."
  value       = aws_iam_role.ci.arn
}

output "readonly_role_arn" {
  description = "Read-only role for people (null without people_trusted_principal_arns)."
  value       = try(aws_iam_role.people["readonly"].arn, null)
}

output "admin_role_arn" {
  description = "Admin role for people (null without people_trusted_principal_arns)."
  value       = try(aws_iam_role.people["admin"].arn, null)
}
