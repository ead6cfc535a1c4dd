module "access_logs" {
  source = "../modules/access-logs"

  bucket = "${local.name}-access-logs-${local.bucket_suffix}"
}

module "buckets" {
  source   = "../modules/s3"
  for_each = local.buckets

  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  bucket                = "${local.name}-${each.key}-${local.bucket_suffix}"
  access_log_bucket     = module.access_logs.bucket_id
  expiration_days       = each.value.expiration_days
  transition_to_ia_days = each.value.transition_to_ia_days
  replication_enabled   = var.s3_replication && each.value.replicate
}
