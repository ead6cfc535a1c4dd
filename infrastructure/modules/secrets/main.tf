# Secrets Manager entries per program, encrypted with one customer managed key
# per environment. Terraform creates the entries and their rotation; the
# values are written by people or rotation functions, so they never appear in
# Terraform state.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109: a key policy's Resource "*" means this key; access is bounded by the principals.
  # checkov:skip=CKV_AWS_111: a key policy's Resource "*" means this key; access is bounded by the principals.
  # checkov:skip=CKV_AWS_356: a key policy's Resource "*" means this key; access is bounded by the principals.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Secrets Manager entries under ${var.name_prefix}/"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${replace(var.name_prefix, "/", "-")}-secrets"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_secretsmanager_secret" "this" {
  # checkov:skip=CKV2_AWS_57: third-party API keys have no rotation function; rotation is configured per secret where one exists (rotation_lambda_arn).
  for_each = var.secrets

  name                    = "${var.name_prefix}/${each.key}"
  description             = each.value.description
  kms_key_id              = aws_kms_key.this.arn
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
