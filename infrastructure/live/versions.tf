terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }

  # Partial configuration: bucket, key, region and use_lockfile come from
  # <env>.backend.hcl (mono infra plan passes it to terraform init).
  backend "s3" {}
}
