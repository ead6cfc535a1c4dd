module "discovery" {
  source = "../../"

  project     = "acme"
  environment = "example"

  parameters = {
    "s3/exports/bucket"   = "acme-example-exports-111111111111"
    "rds/orders/endpoint" = "acme-example.abcdefghijkl.eu-central-1.rds.amazonaws.com:5432"
  }
}
