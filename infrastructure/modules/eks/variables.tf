variable "name" {
  description = "Name of the EKS cluster, e.g. acme-dev; also the prefix of its IAM roles and queues."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the node groups."
  type        = string
  default     = "1.33"
}

variable "subnet_ids" {
  description = "Private subnets for the control plane network interfaces and the nodes."
  type        = list(string)
}

variable "cluster_security_group_id" {
  description = "Additional security group of the control plane (from the security module)."
  type        = string
}

variable "node_security_group_id" {
  description = "Security group of the nodes (from the security module)."
  type        = string
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API on a public endpoint as well. Off by default: reach the private endpoint through SSM Session Manager or the client VPN."
  type        = bool
  default     = false
}

variable "endpoint_public_access_cidrs" {
  description = "Client ranges allowed on the public API endpoint, when it is enabled. Never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.endpoint_public_access_cidrs, "0.0.0.0/0")
    error_message = "The public API endpoint must not be open to 0.0.0.0/0; list the client ranges."
  }
}

variable "log_retention_days" {
  description = "Days to keep the control plane logs in CloudWatch Logs."
  type        = number
  default     = 365
}

variable "access_entries" {
  description = "IAM principals given access to the cluster (API authentication mode): key => principal ARN, EKS access policy name (e.g. AmazonEKSClusterAdminPolicy) and optional namespaces (empty means the whole cluster)."
  type = map(object({
    principal_arn = string
    policy        = string
    namespaces    = optional(list(string), [])
  }))
  default = {}
}

variable "system_node_group" {
  description = "On-demand node group for cluster-critical pods (CoreDNS, Karpenter, controllers); tainted CriticalAddonsOnly."
  type = object({
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
    disk_size_gb   = optional(number, 50)
  })
  default = {
    instance_types = ["m7i.large"]
    min_size       = 2
    max_size       = 4
    desired_size   = 2
  }
}

variable "spot_node_group" {
  description = "Spot node group for application pods; several instance types of the same size keep capacity available when one type runs out."
  type = object({
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
    disk_size_gb   = optional(number, 50)
  })
  default = {
    instance_types = ["m7i.large", "m6i.large", "m6a.large", "m5.large"]
    min_size       = 0
    max_size       = 10
    desired_size   = 2
  }

  validation {
    condition     = length(var.spot_node_group.instance_types) >= 3
    error_message = "Give the spot node group at least three instance types."
  }
}

variable "scale_down_schedule" {
  description = "Scale the spot node group to zero at night and back up in the morning (cron in time_zone). Meant for dev."
  type = object({
    enabled    = bool
    down_cron  = optional(string, "0 20 * * MON-FRI")
    up_cron    = optional(string, "0 7 * * MON-FRI")
    time_zone  = optional(string, "Europe/Berlin")
    up_desired = optional(number, 1)
  })
  default = { enabled = false }
}

variable "addons" {
  description = "EKS add-ons to install: name => version (null takes the default version for the cluster)."
  type        = map(string)
  default = {
    "vpc-cni"                = null
    "coredns"                = null
    "kube-proxy"             = null
    "eks-pod-identity-agent" = null
    "aws-ebs-csi-driver"     = null
  }
}

variable "karpenter_namespace" {
  description = "Namespace of the Karpenter controller's service account."
  type        = string
  default     = "kube-system"
}
