# One secret per program (a JSON object of its keys, read as
# secret://<program>#<key>); values are set out of band. The database master
# password is not here: RDS manages and rotates it; the programs log in with
# IAM as their own roles (mono db roles), so no database password is here.
module "secrets" {
  source = "../modules/secrets"

  name_prefix = "${var.project}/${var.environment}"
  secrets = {
    orders-api   = { description = "orders-api: JWT signing key and partner API tokens" }
    pricing      = { description = "pricing: partner rate feed token" }
    sales-rollup = { description = "sales-rollup: export destination credentials" }
    airflow      = { description = "Airflow: webserver secret key and Fernet key" }
  }
}
