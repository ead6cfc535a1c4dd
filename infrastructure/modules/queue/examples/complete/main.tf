module "queue" {
  source = "../../"

  name                       = "acme-example-order-events"
  visibility_timeout_seconds = 120
  max_receive_count          = 3
}
