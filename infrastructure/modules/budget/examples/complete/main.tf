module "budget" {
  source = "../../"

  name              = "acme-example"
  environment       = "example"
  monthly_limit_usd = 1000
  alert_emails      = ["platform-alerts@acme.example"]
  required_tags     = ["Project", "Environment", "Owner", "CostCenter", "ManagedBy"]
}
