module "access_logs" {
  source = "../../"

  bucket          = "acme-example-access-logs-111111111111"
  expiration_days = 180
}
