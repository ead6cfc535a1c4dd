# The ECR repositories of the programs' images (mono image build --push,
# docs/images.md): one per program, <project>/<program>, in each
# environment's account. The CI role (iam.tf) may push to <project>/* only;
# the same commit gives the same digest, so each environment's registry
# gets the very image the others run. dags is the Airflow image; sales-dash
# has no image build yet (docs/images.md).

locals {
  image_repositories = ["orders-api", "pricing", "sales-rollup", "exports-cleanup", "console", "sales-dash", "dags"]
}

module "ecr" {
  source = "../modules/ecr"

  name_prefix  = var.project
  repositories = local.image_repositories
}
