# The Terraform state bucket of one environment: private, versioned (every
# state version can be restored), KMS-encrypted, TLS-only, access-logged.
# Locking needs no DynamoDB table: the S3 backend's use_lockfile writes a
# lock object next to the state.

locals {
  name = "${var.project}-${var.environment}-tfstate-${var.account_id}"
}

module "state_access_logs" {
  source = "../modules/access-logs"

  bucket = "${local.name}-logs"
}

module "state" {
  source = "../modules/s3"

  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  bucket                             = local.name
  access_log_bucket                  = module.state_access_logs.bucket_id
  noncurrent_version_expiration_days = 365
}
