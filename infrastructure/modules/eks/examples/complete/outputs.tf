output "cluster_name" {
  description = "Name of the example cluster."
  value       = module.eks.cluster_name
}
