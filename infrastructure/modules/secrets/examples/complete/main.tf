module "secrets" {
  source = "../../"

  name_prefix = "acme/example"
  secrets = {
    orders-api = { description = "orders-api: JWT signing key" }
    orders-db  = { description = "Password of the orders_app database user" }
  }
}
