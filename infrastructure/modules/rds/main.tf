data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  family    = "postgres${split(".", var.engine_version)[0]}"
}

################################################################################
# Customer managed key: storage, Performance Insights, the master secret
################################################################################

module "kms" {
  source = "../kms"

  description = "RDS ${var.name}: storage, snapshots, Performance Insights, master secret"
  alias       = "${var.name}-rds"
}

################################################################################
# Instance
################################################################################

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Database subnets of ${var.name}"
  subnet_ids  = var.subnet_ids
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-"
  family      = local.family
  description = "PostgreSQL settings of ${var.name}: TLS only, query logging"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_ms)
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  parameter {
    name  = "log_lock_waits"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_157: Multi-AZ is set per environment (dev runs single-zone); the Go infra test asserts staging and prod have it.
  # checkov:skip=CKV_AWS_118: enhanced monitoring is set per environment by monitoring_interval; staging and prod turn it on.
  # checkov:skip=CKV_AWS_353: Performance Insights is set per environment; staging and prod turn it on.
  # checkov:skip=CKV_AWS_293: deletion protection is set per environment (dev can be torn down); the Go infra test asserts prod has it.
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name                             = var.database_name
  username                            = var.master_username
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = module.kms.key_arn
  iam_database_authentication_enabled = true

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.kms.key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = var.security_group_ids
  publicly_accessible    = false
  multi_az               = var.multi_az
  ca_cert_identifier     = "rds-ca-rsa2048-g1"
  parameter_group_name   = aws_db_parameter_group.this.name

  backup_retention_period   = var.backup_retention_days
  backup_window             = "02:00-03:00"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade      = true
  allow_major_version_upgrade     = false
  apply_immediately               = false
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  performance_insights_enabled          = var.performance_insights_enabled
  performance_insights_kms_key_id       = var.performance_insights_enabled ? module.kms.key_arn : null
  performance_insights_retention_period = var.performance_insights_enabled ? 7 : null

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = one(aws_iam_role.monitoring[*].arn)

  depends_on = [aws_iam_role_policy_attachment.monitoring]
}

################################################################################
# Cross-region backup replication (prod): a key in the other region and the
# replication of automated backups to it
################################################################################

module "replica_kms" {
  source = "../kms"
  count  = var.cross_region_backup_replication ? 1 : 0

  providers = {
    aws = aws.replica
  }

  description = "RDS ${var.name}: backups replicated from the primary region"
}

resource "aws_db_instance_automated_backups_replication" "this" {
  count    = var.cross_region_backup_replication ? 1 : 0
  provider = aws.replica

  source_db_instance_arn = aws_db_instance.this.arn
  kms_key_id             = module.replica_kms[0].key_arn
  retention_period       = var.replica_backup_retention_days
}
