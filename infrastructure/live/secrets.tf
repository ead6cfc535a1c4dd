# One secret per program (a JSON object of its keys, read as
# secret://<program>#<key>); values are set out of band. The database master
# password is not here: RDS manages and rotates it.
module "secrets" {
  source = "../modules/secrets"

  name_prefix = "${var.project}/${var.environment}"
  secrets = {
    orders-api   = { description = "orders-api: JWT signing key and partner API tokens" }
    orders-db    = { description = "Password of the orders_app database user (password login; IAM login needs none)" }
    pricing      = { description = "pricing: partner rate feed token" }
    sales-rollup = { description = "sales-rollup: export destination credentials" }
    airflow      = { description = "Airflow: webserver secret key and Fernet key" }
  }
}
