# Secrets Manager entries per program, encrypted with one customer managed key
# per environment. Terraform creates the entries and their rotation; the
# values are written by people or rotation functions, so they never appear in
# Terraform state.

module "kms" {
  source = "../kms"

  description = "Secrets Manager entries under ${var.name_prefix}/"
  alias       = "${replace(var.name_prefix, "/", "-")}-secrets"
}

resource "aws_secretsmanager_secret" "this" {
  # checkov:skip=CKV2_AWS_57: third-party API keys have no rotation function; rotation is configured per secret where one exists (rotation_lambda_arn).
  for_each = var.secrets

  name                    = "${var.name_prefix}/${each.key}"
  description             = each.value.description
  kms_key_id              = module.kms.key_arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_rotation" "this" {
  # checkov:skip=CKV_AWS_304: rotation_days comes from the secrets input, whose validation keeps it at 90 days or less.
  for_each = { for k, s in var.secrets : k => s if s.rotation_lambda_arn != null }

  secret_id           = aws_secretsmanager_secret.this[each.key].id
  rotation_lambda_arn = each.value.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = each.value.rotation_days
  }
}
