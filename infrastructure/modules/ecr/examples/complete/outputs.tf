output "repository_urls" {
  description = "URL of each example repository."
  value       = module.ecr.repository_urls
}
