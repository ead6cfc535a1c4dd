output "load_balancer_security_group_id" {
  description = "Security group for the public load balancer (HTTPS in from clients)."
  value       = aws_security_group.load_balancer.id
}

output "cluster_security_group_id" {
  description = "Additional security group of the EKS control plane."
  value       = aws_security_group.cluster.id
}

output "node_security_group_id" {
  description = "Security group of the EKS nodes and pods."
  value       = aws_security_group.node.id
}

output "database_security_group_id" {
  description = "Security group of the database (PostgreSQL in from the nodes only)."
  value       = aws_security_group.database.id
}
