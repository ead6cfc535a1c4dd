module "network" {
  source = "../../../network"

  name = "acme-example"
  cidr = "10.99.0.0/16"
  azs  = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

module "security" {
  source = "../../"

  name     = "acme-example"
  vpc_id   = module.network.vpc_id
  vpc_cidr = module.network.vpc_cidr
}
