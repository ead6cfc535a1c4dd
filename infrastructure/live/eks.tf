module "eks" {
  source = "../modules/eks"

  name                      = local.name
  kubernetes_version        = var.kubernetes_version
  subnet_ids                = module.network.private_subnet_ids
  cluster_security_group_id = module.security.cluster_security_group_id
  node_security_group_id    = module.security.node_security_group_id
  log_retention_days        = var.log_retention_days
  system_node_group         = var.system_node_group
  spot_node_group           = var.spot_node_group
  scale_down_schedule       = { enabled = var.scale_down_at_night }

  # Who may use the Kubernetes API. There is no public endpoint: people reach
  # it through SSM Session Manager port forwarding (docs/infrastructure.md).
  access_entries = merge(
    {
      ci = { principal_arn = module.iam.ci_role_arn, policy = "AmazonEKSClusterAdminPolicy" }
    },
    # The people roles exist only when someone may assume them; decide on
    # the input (known at plan time), not on the role ARNs (known after apply).
    length(var.people_trusted_principal_arns) == 0 ? {} : {
      admin    = { principal_arn = module.iam.admin_role_arn, policy = "AmazonEKSClusterAdminPolicy" }
      readonly = { principal_arn = module.iam.readonly_role_arn, policy = "AmazonEKSViewPolicy" }
    },
  )
}
