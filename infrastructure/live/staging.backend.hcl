# S3 state with native locking (a .tflock object next to the state; no
# DynamoDB table). The bucket comes from infrastructure/bootstrap.
bucket       = "acme-staging-tfstate-222222222222"
key          = "envs/staging/terraform.tfstate"
region       = "eu-central-1"
encrypt      = true
use_lockfile = true
