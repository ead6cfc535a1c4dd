module "discovery" {
  source = "../../"

  project     = "acme"
  environment = "example"

  parameters = {
    "s3/exports/bucket"    = "acme-example-exports-111111111111"
    "sqs/order-events/url" = "https://sqs.eu-central-1.amazonaws.com/111111111111/acme-example-order-events"
  }
}
