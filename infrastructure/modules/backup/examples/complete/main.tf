module "backup" {
  source = "../../"

  name = "acme-example"
  resource_arns = [
    "arn:aws:rds:eu-central-1:111111111111:db:acme-example",
    "arn:aws:s3:::acme-example-exports-111111111111",
  ]
  vault_lock = { enabled = true }
}
