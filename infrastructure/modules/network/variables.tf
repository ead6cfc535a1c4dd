variable "name" {
  description = "Name prefix for every resource of the network, e.g. acme-dev."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC; a /16 leaves room for /20 private subnets (EKS pods take VPC addresses)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) <= 16
    error_message = "The cidr must be a valid IPv4 CIDR block of size /16 or larger."
  }
}

variable "azs" {
  description = "Availability zones to spread the subnets over, one subnet of each tier per zone."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 && length(var.azs) <= 4
    error_message = "Give between two and four availability zones (three is the standard)."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all private subnets (cheaper, one zone is a single point of failure) instead of one per zone."
  type        = bool
  default     = false
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs in CloudWatch Logs."
  type        = number
  default     = 365
}

variable "flow_log_traffic_type" {
  description = "Traffic recorded by the flow log: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "The flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints in the private subnets (short names such as sts or ecr.api); S3 always gets a gateway endpoint."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "ssm", "ssmmessages", "ec2messages", "logs"]
}

variable "cluster_name" {
  description = "Name of the EKS cluster that uses this VPC; tags the subnets for load balancer and Karpenter discovery. Null leaves those tags off."
  type        = string
  default     = null
}
