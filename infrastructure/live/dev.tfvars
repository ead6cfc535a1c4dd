# dev: cheap and disposable. One NAT gateway, small spot-heavy nodes that
# sleep at night, a single-zone database without deletion protection, no
# cross-region copies.
project        = "acme"
environment    = "dev"
account_id     = "111111111111"
region         = "eu-central-1"
replica_region = "eu-west-1"
owner          = "platform-team"
cost_center    = "cc-1001-engineering"

vpc_cidr           = "10.10.0.0/16"
azs                = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
single_nat_gateway = true
log_retention_days = 365

kubernetes_version = "1.33"
system_node_group = {
  instance_types = ["t3.large"]
  min_size       = 1
  max_size       = 2
  desired_size   = 1
}
spot_node_group = {
  instance_types = ["m7i.large", "m6i.large", "m6a.large", "m5.large"]
  min_size       = 0
  max_size       = 6
  desired_size   = 2
}
scale_down_at_night = true

db_instance_class          = "db.t4g.medium"
db_multi_az                = false
db_deletion_protection     = false
db_backup_retention_days   = 7
db_insights_and_monitoring = false
db_cross_region_backups    = false

s3_replication        = false
backup_retention_days = 14
backup_vault_lock     = false

budget_monthly_usd = 3000
alert_emails       = ["platform-alerts@acme.example"]

people_trusted_principal_arns = ["arn:aws:iam::999999999999:root"]
