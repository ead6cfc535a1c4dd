module "secrets" {
  source = "../../../secrets"

  name_prefix = "acme/example"
  secrets = {
    orders-api = { description = "orders-api keys" }
  }
}

module "iam" {
  source = "../../"

  name                = "acme-example"
  cluster_name        = "acme-example"
  cluster_arn         = "arn:aws:eks:eu-central-1:111111111111:cluster/acme-example"
  parameter_path      = "/acme/example"
  secrets_kms_key_arn = module.secrets.kms_key_arn

  programs = {
    orders-api = {
      namespace       = "apps"
      service_account = "orders-api"
      secret_arns     = [module.secrets.secret_arns["orders-api"]]
    }
  }

  ci = {
    namespace             = "bamboo"
    service_account       = "bamboo-agent"
    ecr_repository_prefix = "acme"
    buckets               = []
  }

  people_trusted_principal_arns = ["arn:aws:iam::999999999999:root"]
}
