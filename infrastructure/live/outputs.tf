output "vpc_id" {
  description = "ID of the environment's VPC."
  value       = module.network.vpc_id
}

output "cluster_name" {
  description = "Name of the EKS cluster (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Private endpoint of the Kubernetes API."
  value       = module.eks.cluster_endpoint
}

output "database_endpoint" {
  description = "Endpoint of the PostgreSQL database."
  value       = module.database.endpoint
}

output "discovery_path" {
  description = "SSM path under which the environment publishes its resource names."
  value       = module.discovery.path
}

output "program_role_arns" {
  description = "Pod Identity role of each program."
  value       = module.iam.program_role_arns
}

output "ci_role_arn" {
  description = "Role of the Bamboo agents."
  value       = module.iam.ci_role_arn
}

output "nat_public_ips" {
  description = "Source addresses of outbound traffic, for partners' allow lists."
  value       = module.network.nat_public_ips
}

output "ecr_registry" {
  description = "Registry of the environment's images: mono image build --push takes it."
  value       = module.ecr.registry
}

output "ecr_repository_urls" {
  description = "ECR repository of each program."
  value       = module.ecr.repository_urls
}
