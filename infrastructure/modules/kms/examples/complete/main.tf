module "kms" {
  source = "../../"

  description                = "Flow logs of acme-example"
  alias                      = "acme-example-flow-logs"
  cloudwatch_log_group_names = ["/aws/vpc/acme-example/*"]
}
