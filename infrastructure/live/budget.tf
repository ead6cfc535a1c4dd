module "budget" {
  source = "../modules/budget"

  name              = local.name
  environment       = var.environment
  monthly_limit_usd = var.budget_monthly_usd
  alert_emails      = var.alert_emails
  required_tags     = keys(local.default_tags)
}
