# Resource discovery: every name a program needs (bucket names, the database
# endpoint) published as an SSM parameter under
# /<project>/<environment>/, so that configuration says ssm://... instead of
# hard-coding names that differ per environment.

resource "aws_ssm_parameter" "this" {
  # checkov:skip=CKV2_AWS_34: discovery values are names and endpoints, not secrets; plain String keeps them readable with ssm:GetParametersByPath alone. Secrets live in Secrets Manager.
  for_each = var.parameters

  name        = "/${var.project}/${var.environment}/${each.key}"
  description = "Discovery: ${each.key} of ${var.project} ${var.environment}"
  type        = "String"
  tier        = "Standard"
  value       = each.value
}
