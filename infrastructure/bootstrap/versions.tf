terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }

  # The state bucket cannot hold its own creation's state: bootstrap keeps a
  # local state file per environment (<env>.backend.hcl sets its path). See
  # README.md for how it is kept.
  backend "local" {}
}
