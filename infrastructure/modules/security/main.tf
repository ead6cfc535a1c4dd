# Four security groups and every rule between them. Each rule is its own
# resource with a description, so a review sees exactly what is open:
#
#   internet --443--> load balancer --app ports--> nodes --5432--> database
#   nodes <--443/10250/webhooks--> EKS control plane
#
# Only the load balancer admits traffic from outside the VPC.

resource "aws_security_group" "load_balancer" {
  # checkov:skip=CKV2_AWS_5: the AWS Load Balancer Controller attaches it to the load balancer it creates, through this module's output, which checkov does not follow.
  name        = "${var.name}-load-balancer"
  description = "Public application load balancer: HTTPS from clients"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-load-balancer" }
}

resource "aws_security_group" "cluster" {
  # checkov:skip=CKV2_AWS_5: the eks module attaches it to the control plane, through this module's output, which checkov does not follow.
  name        = "${var.name}-eks-cluster"
  description = "EKS control plane network interfaces: API from nodes"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-eks-cluster" }
}

resource "aws_security_group" "node" {
  # checkov:skip=CKV2_AWS_5: the eks module attaches it to the node launch templates, through this module's output, which checkov does not follow.
  name        = "${var.name}-eks-node"
  description = "EKS worker nodes and their pods"
  vpc_id      = var.vpc_id

  tags = {
    Name                     = "${var.name}-eks-node"
    "karpenter.sh/discovery" = var.name
  }
}

resource "aws_security_group" "database" {
  # checkov:skip=CKV2_AWS_5: the rds module attaches it to the instance, through this module's output, which checkov does not follow.
  name        = "${var.name}-database"
  description = "PostgreSQL: only from the EKS nodes"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-database" }
}

################################################################################
# Load balancer
################################################################################

resource "aws_vpc_security_group_ingress_rule" "load_balancer_https" {
  for_each = toset(var.load_balancer_ingress_cidrs)

  security_group_id = aws_security_group.load_balancer.id
  description       = "HTTPS from clients (${each.value})"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_nodes" {
  security_group_id            = aws_security_group.load_balancer.id
  description                  = "To pods and node ports behind the load balancer"
  referenced_security_group_id = aws_security_group.node.id
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
}

################################################################################
# Control plane
################################################################################

resource "aws_vpc_security_group_ingress_rule" "cluster_from_nodes" {
  security_group_id            = aws_security_group.cluster.id
  description                  = "Kubernetes API from the nodes"
  referenced_security_group_id = aws_security_group.node.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_vpc_security_group_egress_rule" "cluster_to_nodes" {
  security_group_id            = aws_security_group.cluster.id
  description                  = "Kubelet, webhooks and metrics on the nodes"
  referenced_security_group_id = aws_security_group.node.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 65535
}

################################################################################
# Nodes
################################################################################

locals {
  # Ports the control plane calls on nodes: kubelet, and the webhook and
  # metrics ports of common add-ons (metrics-server, cert-manager,
  # ingress controllers, Karpenter).
  control_plane_to_node_ports = {
    https     = 443
    kubelet   = 10250
    metrics   = 4443
    apiserver = 6443
    webhooks  = 8443
    karpenter = 9443
  }
}

resource "aws_vpc_security_group_ingress_rule" "node_from_cluster" {
  for_each = local.control_plane_to_node_ports

  security_group_id            = aws_security_group.node.id
  description                  = "From the control plane: ${each.key}"
  referenced_security_group_id = aws_security_group.cluster.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_ingress_rule" "node_from_node" {
  security_group_id            = aws_security_group.node.id
  description                  = "Node to node and pod to pod, all protocols"
  referenced_security_group_id = aws_security_group.node.id
  ip_protocol                  = "-1"
}

resource "aws_vpc_security_group_ingress_rule" "node_from_load_balancer" {
  # checkov:skip=CKV_AWS_25: the source is the load balancer's security group, not 0.0.0.0/0.
  security_group_id            = aws_security_group.node.id
  description                  = "From the load balancer to pods and node ports"
  referenced_security_group_id = aws_security_group.load_balancer.id
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
}

resource "aws_vpc_security_group_egress_rule" "node_to_vpc" {
  security_group_id = aws_security_group.node.id
  description       = "Anything inside the VPC: control plane, endpoints, DNS, database"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "-1"
}

resource "aws_vpc_security_group_egress_rule" "node_to_internet" {
  for_each = toset([for p in var.node_internet_egress_ports : tostring(p)])

  security_group_id = aws_security_group.node.id
  description       = "To the internet through NAT on TCP ${each.value}"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
}

################################################################################
# Database
################################################################################

resource "aws_vpc_security_group_ingress_rule" "database_from_nodes" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the EKS nodes only"
  referenced_security_group_id = aws_security_group.node.id
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}
