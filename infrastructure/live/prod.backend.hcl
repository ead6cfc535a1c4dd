# S3 state with native locking (a .tflock object next to the state; no
# DynamoDB table). The bucket comes from infrastructure/bootstrap.
# The key keeps the path from before the environments shared one root, so the
# existing state is found where it is.
bucket       = "acme-prod-tfstate-333333333333"
key          = "envs/prod/terraform.tfstate"
region       = "eu-central-1"
encrypt      = true
use_lockfile = true
