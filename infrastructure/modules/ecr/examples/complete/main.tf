module "ecr" {
  source = "../../"

  name_prefix          = "acme"
  repositories         = ["orders-api", "pricing", "sales-rollup"]
  keep_tagged_images   = 30
  untagged_expire_days = 7
}
