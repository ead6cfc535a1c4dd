data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition

  rules = merge(
    {
      daily = { schedule = "cron(0 3 * * ? *)", retention = var.daily_retention_days }
    },
    var.monthly_retention_days > 0 ? {
      monthly = { schedule = "cron(0 4 1 * ? *)", retention = var.monthly_retention_days }
    } : {},
  )
}

module "kms" {
  source = "../kms"

  description = "AWS Backup vault ${var.name}"
  alias       = "${var.name}-backup"
}

resource "aws_backup_vault" "this" {
  name        = var.name
  kms_key_arn = module.kms.key_arn
}

resource "aws_backup_vault_lock_configuration" "this" {
  count = var.vault_lock.enabled ? 1 : 0

  backup_vault_name  = aws_backup_vault.this.name
  min_retention_days = var.vault_lock.min_retention_days
  max_retention_days = var.vault_lock.max_retention_days
}

resource "aws_backup_plan" "this" {
  name = var.name

  dynamic "rule" {
    for_each = local.rules
    content {
      rule_name         = rule.key
      target_vault_name = aws_backup_vault.this.name
      schedule          = rule.value.schedule
      start_window      = 60
      completion_window = 360

      lifecycle {
        delete_after = rule.value.retention
      }
    }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = toset([
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
  ])

  role       = aws_iam_role.this.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_backup_selection" "this" {
  name         = var.name
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.this.arn
  resources    = var.resource_arns
}
