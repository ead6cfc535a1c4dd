# Names programs read through ssm:// references in config/<env>.yaml. Keys
# are written out literally: the infra check reads them and fails when a
# config file names a parameter that is not published here.
module "discovery" {
  source = "../../modules/discovery"

  project     = var.project
  environment = var.environment

  parameters = {
    "region"                    = var.region
    "eks/cluster-name"          = module.eks.cluster_name
    "s3/artifacts-bucket"       = module.buckets["artifacts"].bucket_id
    "s3/exports-bucket"         = module.buckets["exports"].bucket_id
    "s3/dag-bundles-bucket"     = module.buckets["dag-bundles"].bucket_id
    "s3/airflow-logs-bucket"    = module.buckets["airflow-logs"].bucket_id
    "s3/build-cache-bucket"     = module.buckets["build-cache"].bucket_id
    "s3/backups-bucket"         = module.buckets["backups"].bucket_id
    "rds/endpoint"              = module.database.endpoint
    "rds/host"                  = module.database.address
    "rds/port"                  = tostring(module.database.port)
    "rds/database"              = module.database.database_name
    "sqs/orders-events-url"     = module.orders_events.queue_url
    "sqs/orders-events-dlq-url" = module.orders_events.dlq_url
  }
}
