data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  az_count = length(var.azs)

  # Private subnets are /20 each (room for pod addresses), public and
  # database subnets /24 each, all carved from the VPC block.
  private_cidrs  = [for i in range(local.az_count) : cidrsubnet(var.cidr, 4, i)]
  public_cidrs   = [for i in range(local.az_count) : cidrsubnet(var.cidr, 8, 48 + i)]
  database_cidrs = [for i in range(local.az_count) : cidrsubnet(var.cidr, 8, 64 + i)]

  nat_count = var.single_nat_gateway ? 1 : local.az_count

  cluster_tags = var.cluster_name == null ? {} : { "kubernetes.io/cluster/${var.cluster_name}" = "shared" }
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# The default security group of a VPC allows all traffic between its members;
# managing it without rules removes them, so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-default-locked" }
}

# Likewise the default network ACL loses its allow-all rules; every subnet
# below gets its tier's ACL instead.
resource "aws_default_network_acl" "this" {
  default_network_acl_id = aws_vpc.this.default_network_acl_id

  tags = { Name = "${var.name}-default-locked" }

  lifecycle {
    ignore_changes = [subnet_ids]
  }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = var.name }
}

resource "aws_subnet" "public" {
  count = local.az_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.public_cidrs[count.index]
  availability_zone       = var.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(local.cluster_tags, {
    Name                     = "${var.name}-public-${var.azs[count.index]}"
    Tier                     = "public"
    "kubernetes.io/role/elb" = "1"
  })
}

resource "aws_subnet" "private" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.private_cidrs[count.index]
  availability_zone = var.azs[count.index]

  tags = merge(local.cluster_tags, {
    Name                              = "${var.name}-private-${var.azs[count.index]}"
    Tier                              = "private"
    "kubernetes.io/role/internal-elb" = "1"
    "karpenter.sh/discovery"          = coalesce(var.cluster_name, var.name)
  })
}

resource "aws_subnet" "database" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.database_cidrs[count.index]
  availability_zone = var.azs[count.index]

  tags = {
    Name = "${var.name}-database-${var.azs[count.index]}"
    Tier = "database"
  }
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"

  tags = { Name = "${var.name}-nat-${var.azs[count.index]}" }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = { Name = "${var.name}-${var.azs[count.index]}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = local.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  count = local.az_count

  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-private-${var.azs[count.index]}" }
}

resource "aws_route" "private_nat" {
  count = local.az_count

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
}

resource "aws_route_table_association" "private" {
  count = local.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# Database subnets have no route to the internet at all.
resource "aws_route_table" "database" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-database" }
}

resource "aws_route_table_association" "database" {
  count = local.az_count

  subnet_id      = aws_subnet.database[count.index].id
  route_table_id = aws_route_table.database.id
}

################################################################################
# Network ACLs, one per tier. Security groups do the fine-grained work; the
# ACLs are a coarse second fence. Ephemeral ranges skip 3389 so that no rule
# ever admits RDP from the internet.
################################################################################

locals {
  ephemeral_ranges = [
    { from = 1024, to = 3388 },
    { from = 3390, to = 65535 },
  ]

  public_ingress = concat(
    [
      { cidr = "0.0.0.0/0", protocol = "tcp", from = 443, to = 443 },
      { cidr = "0.0.0.0/0", protocol = "tcp", from = 80, to = 80 },
      { cidr = var.cidr, protocol = "-1", from = 0, to = 0 },
    ],
    [for r in local.ephemeral_ranges : { cidr = "0.0.0.0/0", protocol = "tcp", from = r.from, to = r.to }],
  )

  private_ingress = concat(
    [{ cidr = var.cidr, protocol = "-1", from = 0, to = 0 }],
    [for r in local.ephemeral_ranges : { cidr = "0.0.0.0/0", protocol = "tcp", from = r.from, to = r.to }],
    [for r in local.ephemeral_ranges : { cidr = "0.0.0.0/0", protocol = "udp", from = r.from, to = r.to }],
  )

  database_ingress = [for c in local.private_cidrs : { cidr = c, protocol = "tcp", from = 5432, to = 5432 }]
  database_egress  = [for c in local.private_cidrs : { cidr = c, protocol = "tcp", from = 1024, to = 65535 }]
}

resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.public[*].id

  dynamic "ingress" {
    for_each = local.public_ingress
    content {
      rule_no    = 100 + ingress.key * 10
      action     = "allow"
      cidr_block = ingress.value.cidr
      protocol   = ingress.value.protocol
      from_port  = ingress.value.from
      to_port    = ingress.value.to
    }
  }

  egress {
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
  }

  tags = { Name = "${var.name}-public" }
}

resource "aws_network_acl" "private" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.private[*].id

  dynamic "ingress" {
    for_each = local.private_ingress
    content {
      rule_no    = 100 + ingress.key * 10
      action     = "allow"
      cidr_block = ingress.value.cidr
      protocol   = ingress.value.protocol
      from_port  = ingress.value.from
      to_port    = ingress.value.to
    }
  }

  egress {
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
  }

  tags = { Name = "${var.name}-private" }
}

resource "aws_network_acl" "database" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.database[*].id

  dynamic "ingress" {
    for_each = local.database_ingress
    content {
      rule_no    = 100 + ingress.key * 10
      action     = "allow"
      cidr_block = ingress.value.cidr
      protocol   = ingress.value.protocol
      from_port  = ingress.value.from
      to_port    = ingress.value.to
    }
  }

  dynamic "egress" {
    for_each = local.database_egress
    content {
      rule_no    = 100 + egress.key * 10
      action     = "allow"
      cidr_block = egress.value.cidr
      protocol   = egress.value.protocol
      from_port  = egress.value.from
      to_port    = egress.value.to
    }
  }

  tags = { Name = "${var.name}-database" }
}

################################################################################
# Flow logs to CloudWatch Logs, encrypted with a key of their own.
################################################################################

module "kms" {
  source = "../kms"

  description = "VPC flow logs of ${var.name}"
  alias       = "${var.name}-flow-logs"

  cloudwatch_log_group_names = ["/aws/vpc/${var.name}/*"]
}

resource "aws_cloudwatch_log_group" "flow_log" {
  name              = "/aws/vpc/${var.name}/flow-logs"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = module.kms.key_arn
}

data "aws_iam_policy_document" "flow_log_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "flow_log" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_log.arn}:*"]
  }
}

resource "aws_iam_role" "flow_log" {
  name               = "${var.name}-vpc-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_log_assume.json
}

resource "aws_iam_role_policy" "flow_log" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_log.id
  policy = data.aws_iam_policy_document.flow_log.json
}

resource "aws_flow_log" "this" {
  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_log.arn
  iam_role_arn             = aws_iam_role.flow_log.arn
  max_aggregation_interval = 60
}

################################################################################
# VPC endpoints: S3 through a gateway, the rest through interface endpoints,
# so nodes pull images and read secrets without leaving the VPC.
################################################################################

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${data.aws_region.current.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat(aws_route_table.private[*].id, [aws_route_table.database.id])

  tags = { Name = "${var.name}-s3" }
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-vpc-endpoints"
  description = "Interface VPC endpoints of ${var.name}: HTTPS from inside the VPC"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-vpc-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS to the endpoints from anywhere in the VPC"
  cidr_ipv4         = var.cidr
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${data.aws_region.current.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = { Name = "${var.name}-${each.value}" }
}
