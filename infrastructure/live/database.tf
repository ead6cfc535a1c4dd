module "database" {
  source = "../modules/rds"

  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  name                            = local.name
  instance_class                  = var.db_instance_class
  database_name                   = "orders"
  subnet_ids                      = module.network.database_subnet_ids
  security_group_ids              = [module.security.database_security_group_id]
  multi_az                        = var.db_multi_az
  deletion_protection             = var.db_deletion_protection
  backup_retention_days           = var.db_backup_retention_days
  performance_insights_enabled    = var.db_insights_and_monitoring
  monitoring_interval             = var.db_insights_and_monitoring ? 60 : 0
  cross_region_backup_replication = var.db_cross_region_backups
}
