output "private_subnet_ids" {
  description = "Private subnets of the example VPC."
  value       = module.network.private_subnet_ids
}
