# staging: shaped like prod (Multi-AZ, NAT per zone, deletion protection),
# smaller and without cross-region copies.
project        = "acme"
environment    = "staging"
account_id     = "222222222222"
region         = "eu-central-1"
replica_region = "eu-west-1"
owner          = "platform-team"
cost_center    = "cc-1001-engineering"

vpc_cidr           = "10.20.0.0/16"
azs                = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
single_nat_gateway = false
log_retention_days = 365

kubernetes_version = "1.33"
system_node_group = {
  instance_types = ["m7i.large"]
  min_size       = 2
  max_size       = 3
  desired_size   = 2
}
spot_node_group = {
  instance_types = ["m7i.xlarge", "m6i.xlarge", "m6a.xlarge", "m5.xlarge"]
  min_size       = 1
  max_size       = 8
  desired_size   = 2
}
scale_down_at_night = false

db_instance_class          = "db.r7g.large"
db_multi_az                = true
db_deletion_protection     = true
db_backup_retention_days   = 14
db_insights_and_monitoring = true
db_cross_region_backups    = false

s3_replication        = false
backup_retention_days = 35
backup_vault_lock     = false

budget_monthly_usd = 6000
alert_emails       = ["platform-alerts@acme.example"]

people_trusted_principal_arns = ["arn:aws:iam::999999999999:root"]
