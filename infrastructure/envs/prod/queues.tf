# orders-api publishes order events; sales-rollup consumes them.
module "orders_events" {
  source = "../../modules/queue"

  name = "${local.name}-orders-events"
}
