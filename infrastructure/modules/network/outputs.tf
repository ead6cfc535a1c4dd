output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "IDs of the public subnets (load balancers and NAT gateways only), one per zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (EKS nodes and pods), one per zone."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets."
  value       = aws_subnet.private[*].cidr_block
}

output "database_subnet_ids" {
  description = "IDs of the database subnets (no route to the internet), one per zone."
  value       = aws_subnet.database[*].id
}

output "nat_public_ips" {
  description = "Public addresses of the NAT gateways: the source addresses of outbound traffic, for partners' allow lists."
  value       = aws_eip.nat[*].public_ip
}

output "private_route_table_ids" {
  description = "IDs of the private route tables."
  value       = aws_route_table.private[*].id
}

output "flow_log_group_name" {
  description = "CloudWatch log group that receives the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_log.name
}

output "endpoint_security_group_id" {
  description = "Security group of the interface VPC endpoints."
  value       = aws_security_group.endpoints.id
}
