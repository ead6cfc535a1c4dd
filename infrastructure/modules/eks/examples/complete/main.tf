module "network" {
  source = "../../../network"

  name         = "acme-example"
  cidr         = "10.99.0.0/16"
  azs          = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  cluster_name = "acme-example"
}

module "security" {
  source = "../../../security"

  name     = "acme-example"
  vpc_id   = module.network.vpc_id
  vpc_cidr = module.network.vpc_cidr
}

module "eks" {
  source = "../../"

  name                      = "acme-example"
  subnet_ids                = module.network.private_subnet_ids
  cluster_security_group_id = module.security.cluster_security_group_id
  node_security_group_id    = module.security.node_security_group_id
  scale_down_schedule       = { enabled = true }

  access_entries = {
    admin = {
      principal_arn = "arn:aws:iam::111111111111:role/acme-example-admin"
      policy        = "AmazonEKSClusterAdminPolicy"
    }
    team-view = {
      principal_arn = "arn:aws:iam::111111111111:role/acme-example-team"
      policy        = "AmazonEKSViewPolicy"
      namespaces    = ["apps"]
    }
  }
}
