data "aws_caller_identity" "current" {}

locals {
  name = "${var.project}-${var.environment}"

  # Buckets of the platform. Names carry the account ID to stay globally
  # unique. replicate marks the durable ones that prod copies to the replica
  # region; build output and logs are not worth a second region.
  buckets = {
    artifacts    = { expiration_days = null, transition_to_ia_days = 30, replicate = true }
    exports      = { expiration_days = null, transition_to_ia_days = 30, replicate = true }
    dag-bundles  = { expiration_days = null, transition_to_ia_days = null, replicate = true }
    airflow-logs = { expiration_days = 90, transition_to_ia_days = 30, replicate = false }
    build-cache  = { expiration_days = 30, transition_to_ia_days = null, replicate = false }
    backups      = { expiration_days = null, transition_to_ia_days = 30, replicate = true }
  }

  bucket_suffix = data.aws_caller_identity.current.account_id

  # Namespaces and service accounts the programs run as (see deploy/).
  apps_namespace = "apps"
}
