output "repository_urls" {
  description = "URL of each repository (<account>.dkr.ecr.<region>.amazonaws.com/<name_prefix>/<repository>), by repository."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "ARN of each repository, by repository."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}

output "registry" {
  description = "The registry host, what mono image build --push takes (one per account and region)."
  value       = try(split("/", values(aws_ecr_repository.this)[0].repository_url)[0], null)
}

output "kms_key_arn" {
  description = "ARN of the key the repositories are encrypted with."
  value       = module.kms.key_arn
}
