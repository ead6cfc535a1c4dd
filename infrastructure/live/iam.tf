module "iam" {
  source = "../modules/iam"

  name                 = local.name
  cluster_name         = module.eks.cluster_name
  cluster_arn          = module.eks.cluster_arn
  parameter_path       = module.discovery.path
  secrets_kms_key_arn  = module.secrets.kms_key_arn
  database_resource_id = module.database.resource_id

  # Every program its own role, bound to its Kubernetes service account:
  # the chart's ServiceAccount is named after the component, in the apps
  # namespace; a migration Job runs as <component>-migrate. Database users
  # are the roles of `mono db roles` (docs/db.md): <component> at runtime,
  # <component>_owner for migrations (IAM login when shared.database.iam_auth).
  programs = {
    orders-api = {
      namespace       = local.apps_namespace
      service_account = "orders-api"
      secret_arns     = [module.secrets.secret_arns["orders-api"]]
      database_users  = ["orders_api"]
    }
    orders-api-migrate = {
      namespace       = local.apps_namespace
      service_account = "orders-api-migrate"
      database_users  = ["orders_api_owner"]
    }
    pricing = {
      namespace       = local.apps_namespace
      service_account = "pricing"
      secret_arns     = [module.secrets.secret_arns["pricing"]]
    }
    sales-rollup = {
      namespace       = local.apps_namespace
      service_account = "sales-rollup"
      secret_arns     = [module.secrets.secret_arns["sales-rollup"]]
      buckets = [{
        arn         = module.buckets["exports"].bucket_arn
        kms_key_arn = module.buckets["exports"].kms_key_arn
        prefixes    = ["sales-rollup/"]
      }]
      database_users = ["sales_rollup"]
    }
    sales-rollup-migrate = {
      namespace       = local.apps_namespace
      service_account = "sales-rollup-migrate"
      database_users  = ["sales_rollup_owner"]
    }
    exports-cleanup = {
      namespace       = local.apps_namespace
      service_account = "exports-cleanup"
      buckets = [{
        arn         = module.buckets["exports"].bucket_arn
        kms_key_arn = module.buckets["exports"].kms_key_arn
        prefixes    = ["sales-rollup/daily-sales/"] # dags/sales_exports.py --prefix
        delete_only = true
      }]
    }
    console = {
      namespace       = local.apps_namespace
      service_account = "console"
    }
    sales-dash = {
      namespace       = local.apps_namespace
      service_account = "sales-dash"
    }
    airflow = {
      namespace       = "airflow"
      service_account = "airflow-worker"
      secret_arns     = [module.secrets.secret_arns["airflow"]]
      buckets = [
        {
          arn         = module.buckets["dag-bundles"].bucket_arn
          kms_key_arn = module.buckets["dag-bundles"].kms_key_arn
          prefixes    = [""]
          read_only   = true
        },
        {
          arn         = module.buckets["airflow-logs"].bucket_arn
          kms_key_arn = module.buckets["airflow-logs"].kms_key_arn
          prefixes    = [""]
        },
      ]
      database_users = ["airflow"]
    }
  }

  ci = {
    namespace              = "bamboo"
    service_account        = "bamboo-agent"
    trusted_principal_arns = var.ci_trusted_principal_arns
    ecr_repository_prefix  = var.project
    buckets = [
      { arn = module.buckets["build-cache"].bucket_arn, kms_key_arn = module.buckets["build-cache"].kms_key_arn },
      { arn = module.buckets["artifacts"].bucket_arn, kms_key_arn = module.buckets["artifacts"].kms_key_arn },
      { arn = module.buckets["dag-bundles"].bucket_arn, kms_key_arn = module.buckets["dag-bundles"].kms_key_arn },
    ]
  }

  people_trusted_principal_arns = var.people_trusted_principal_arns
}
