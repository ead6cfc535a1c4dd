variable "name" {
  description = "Name prefix of the security groups, e.g. acme-dev."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the security groups belong to."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC; nodes may reach anything inside it."
  type        = string
}

variable "load_balancer_ingress_cidrs" {
  description = "Client ranges allowed to reach the public load balancer on port 443. The only rule in the platform that admits 0.0.0.0/0."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "node_internet_egress_ports" {
  description = "TCP ports nodes and pods may open to the internet (through NAT); everything else leaves only to the VPC."
  type        = list(number)
  default     = [443]
}

variable "database_port" {
  description = "Port of the PostgreSQL database."
  type        = number
  default     = 5432
}
