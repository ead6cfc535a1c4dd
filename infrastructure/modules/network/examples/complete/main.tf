module "network" {
  source = "../../"

  name               = "acme-example"
  cidr               = "10.99.0.0/16"
  azs                = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  single_nat_gateway = true
  cluster_name       = "acme-example"
}
