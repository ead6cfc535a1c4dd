# A customer managed KMS key with its key policy and an optional alias. The
# account administers the key through IAM; services that must use it
# directly (CloudWatch Logs) are named by the caller, each bounded to its own
# resources by an encryption context condition.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
}

data "aws_iam_policy_document" "this" {
  # checkov:skip=CKV_AWS_109: a key policy's Resource "*" means this key; access is bounded by the principals.
  # checkov:skip=CKV_AWS_111: a key policy's Resource "*" means this key; access is bounded by the principals.
  # checkov:skip=CKV_AWS_356: a key policy's Resource "*" means this key; access is bounded by the principals.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.cloudwatch_log_group_names) > 0 ? [1] : []
    content {
      sid       = "CloudWatchLogsUse"
      actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.${data.aws_partition.current.dns_suffix}"]
      }

      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = [for n in var.cloudwatch_log_group_names : "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${n}"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = var.enable_key_rotation
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
}

resource "aws_kms_alias" "this" {
  count = var.alias == null ? 0 : 1

  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
