output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "Endpoint of the Kubernetes API (private unless endpoint_public_access is set)."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 certificate of the cluster's certificate authority."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_primary_security_group_id" {
  description = "Security group EKS created for the cluster itself."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "kms_key_arn" {
  description = "KMS key that encrypts Kubernetes secrets and the control plane logs."
  value       = module.kms.key_arn
}

output "node_role_arn" {
  description = "IAM role of the managed node groups."
  value       = aws_iam_role.node.arn
}

output "karpenter_role_arn" {
  description = "IAM role of the Karpenter controller (Pod Identity)."
  value       = aws_iam_role.karpenter.arn
}

output "karpenter_node_role_name" {
  description = "IAM role name for nodes that Karpenter launches (the EC2NodeClass role)."
  value       = aws_iam_role.karpenter_node.name
}

output "karpenter_interruption_queue_name" {
  description = "SQS queue through which Karpenter learns of spot interruptions and rebalances."
  value       = aws_sqs_queue.karpenter.name
}
