# prod: Multi-AZ everything, deletion protection, backups copied and buckets
# replicated to the second region, a locked backup vault.
project        = "acme"
environment    = "prod"
account_id     = "333333333333"
region         = "eu-central-1"
replica_region = "eu-west-1"
owner          = "platform-team"
cost_center    = "cc-2001-operations"

vpc_cidr           = "10.30.0.0/16"
azs                = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
single_nat_gateway = false
log_retention_days = 731

kubernetes_version = "1.33"
system_node_group = {
  instance_types = ["m7i.large"]
  min_size       = 3
  max_size       = 6
  desired_size   = 3
}
spot_node_group = {
  instance_types = ["m7i.xlarge", "m6i.xlarge", "m6a.xlarge", "m5.xlarge", "m7a.xlarge"]
  min_size       = 2
  max_size       = 20
  desired_size   = 3
}
scale_down_at_night = false

db_instance_class          = "db.r7g.xlarge"
db_multi_az                = true
db_deletion_protection     = true
db_backup_retention_days   = 35
db_insights_and_monitoring = true
db_cross_region_backups    = true

s3_replication        = true
backup_retention_days = 35
backup_vault_lock     = true

budget_monthly_usd = 15000
alert_emails       = ["platform-alerts@acme.example", "finance-cloud@acme.example"]

people_trusted_principal_arns = ["arn:aws:iam::999999999999:root"]
