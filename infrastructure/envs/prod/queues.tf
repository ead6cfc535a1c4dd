# orders-api publishes order events; sales-rollup consumes them.
module "order_events" {
  source = "../../modules/queue"

  name = "${local.name}-order-events"
}
