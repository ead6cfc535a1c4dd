module "network" {
  source = "../modules/network"

  name                    = local.name
  cidr                    = var.vpc_cidr
  azs                     = var.azs
  single_nat_gateway      = var.single_nat_gateway
  flow_log_retention_days = var.log_retention_days
  cluster_name            = local.name
}
