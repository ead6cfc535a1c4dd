# Every resource of the environment carries the cost-allocation tags through
# default_tags; the Go infra check fails when a provider block lacks one.
locals {
  default_tags = {
    Project     = var.project
    Environment = var.environment
    Owner       = var.owner
    CostCenter  = var.cost_center
    ManagedBy   = "terraform"
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.default_tags
  }
}

# The disaster-recovery region: S3 replicas and RDS backup copies (prod).
provider "aws" {
  alias               = "replica"
  region              = var.replica_region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.default_tags
  }
}
