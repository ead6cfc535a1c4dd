# Names programs read through ssm:// references in config/<env>.yaml, as
# /<project>/<env>/<service>/<resource>/<attribute>. Keys are written out
# literally: the infra check reads them and fails when a config file names a
# parameter that is not published here.
module "discovery" {
  source = "../modules/discovery"

  project     = var.project
  environment = var.environment

  parameters = {
    "region"                 = var.region
    "eks/cluster/name"       = module.eks.cluster_name
    "rds/orders/endpoint"    = module.database.endpoint
    "rds/orders/host"        = module.database.address
    "rds/orders/port"        = tostring(module.database.port)
    "rds/orders/database"    = module.database.database_name
    "s3/artifacts/bucket"    = module.buckets["artifacts"].bucket_id
    "s3/exports/bucket"      = module.buckets["exports"].bucket_id
    "s3/dag-bundles/bucket"  = module.buckets["dag-bundles"].bucket_id
    "s3/airflow-logs/bucket" = module.buckets["airflow-logs"].bucket_id
    "s3/build-cache/bucket"  = module.buckets["build-cache"].bucket_id
    "s3/backups/bucket"      = module.buckets["backups"].bucket_id
  }
}
