module "network" {
  source = "../../../network"

  name = "acme-example"
  cidr = "10.99.0.0/16"
  azs  = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

module "security" {
  source = "../../../security"

  name     = "acme-example"
  vpc_id   = module.network.vpc_id
  vpc_cidr = module.network.vpc_cidr
}

module "rds" {
  source = "../../"

  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  name                            = "acme-example"
  instance_class                  = "db.t4g.medium"
  database_name                   = "orders"
  subnet_ids                      = module.network.database_subnet_ids
  security_group_ids              = [module.security.database_security_group_id]
  cross_region_backup_replication = true
}
