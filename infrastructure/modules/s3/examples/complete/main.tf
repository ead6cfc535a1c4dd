module "access_logs" {
  source = "../../../access-logs"

  bucket = "acme-example-access-logs-111111111111"
}

module "s3" {
  source = "../../"

  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  bucket                = "acme-example-exports-111111111111"
  access_log_bucket     = module.access_logs.bucket_id
  transition_to_ia_days = 30
  replication_enabled   = true
}
