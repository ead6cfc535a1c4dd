provider "aws" {
  region = "eu-central-1"

  default_tags {
    tags = {
      Project     = "acme"
      Environment = "example"
      Owner       = "platform-team"
      CostCenter  = "cc-0000-example"
      ManagedBy   = "terraform"
    }
  }
}
