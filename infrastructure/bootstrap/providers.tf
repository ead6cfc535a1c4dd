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

# Required by the s3 module; bootstrap does not replicate the state bucket.
provider "aws" {
  alias               = "replica"
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.default_tags
  }
}
