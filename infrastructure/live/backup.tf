module "backup" {
  source = "../modules/backup"

  name                 = local.name
  daily_retention_days = var.backup_retention_days
  vault_lock           = { enabled = var.backup_vault_lock }
  resource_arns = [
    module.database.instance_arn,
    module.buckets["artifacts"].bucket_arn,
    module.buckets["exports"].bucket_arn,
    module.buckets["dag-bundles"].bucket_arn,
    module.buckets["backups"].bucket_arn,
  ]
}
