data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  account_id    = data.aws_caller_identity.current.account_id
  region        = data.aws_region.current.region
  parameter_arn = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${var.parameter_path}"
  people_roles  = length(var.people_trusted_principal_arns) > 0 ? { readonly = "ViewOnlyAccess", admin = "AdministratorAccess" } : {}
}

data "aws_iam_policy_document" "pod_identity_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

################################################################################
# Programs: one role each, least privilege
################################################################################

data "aws_iam_policy_document" "this" {
  for_each = var.programs

  statement {
    sid       = "ReadDiscoveryParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = [local.parameter_arn, "${local.parameter_arn}/*"]
  }

  dynamic "statement" {
    for_each = each.value.buckets
    content {
      sid       = "ListOwnPrefixes${statement.key}"
      actions   = ["s3:ListBucket"]
      resources = [statement.value.arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = [for p in statement.value.prefixes : "${p}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.buckets
    content {
      sid       = "ObjectsUnderOwnPrefixes${statement.key}"
      actions   = statement.value.delete_only ? ["s3:DeleteObject"] : statement.value.read_only ? ["s3:GetObject"] : ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = [for p in statement.value.prefixes : "${statement.value.arn}/${p}*"]
    }
  }

  dynamic "statement" {
    for_each = { for i, b in each.value.buckets : i => b if !b.delete_only } # deleting reads no contents: no key
    content {
      sid       = "BucketKey${statement.key}"
      actions   = statement.value.read_only ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = each.value.secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(each.value.secret_arns) > 0 && var.secrets_kms_key_arn != null ? [var.secrets_kms_key_arn] : []
    content {
      sid       = "DecryptSecretsThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.database_users) > 0 && var.database_resource_id != null ? [1] : []
    content {
      sid       = "DatabaseIAMLogin"
      actions   = ["rds-db:connect"]
      resources = [for u in each.value.database_users : "arn:${local.partition}:rds-db:${local.region}:${local.account_id}:dbuser:${var.database_resource_id}/${u}"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.programs

  name               = "${var.name}-${each.key}"
  description        = "Pod Identity role of ${each.key} (${each.value.namespace}/${each.value.service_account})"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_assume.json
}

resource "aws_iam_role_policy" "this" {
  for_each = var.programs

  name   = "least-privilege"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json
}

resource "aws_eks_pod_identity_association" "this" {
  for_each = var.programs

  cluster_name    = var.cluster_name
  namespace       = each.value.namespace
  service_account = each.value.service_account
  role_arn        = aws_iam_role.this[each.key].arn
}

################################################################################
# CI/CD: the Bamboo agents
################################################################################

data "aws_iam_policy_document" "ci_assume" {
  source_policy_documents = [data.aws_iam_policy_document.pod_identity_assume.json]

  dynamic "statement" {
    for_each = length(var.ci.trusted_principal_arns) > 0 ? [1] : []
    content {
      sid     = "TrustedAgents"
      actions = ["sts:AssumeRole", "sts:TagSession"]

      principals {
        type        = "AWS"
        identifiers = var.ci.trusted_principal_arns
      }
    }
  }
}

data "aws_iam_policy_document" "ci" {
  statement {
    sid       = "ECRLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken supports no resource-level permissions.
  }

  statement {
    sid = "ECRPushPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = ["arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${var.ci.ecr_repository_prefix}/*"]
  }

  statement {
    sid       = "DescribeCluster"
    actions   = ["eks:DescribeCluster"]
    resources = [var.cluster_arn]
  }

  statement {
    sid       = "ReadDiscoveryParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = [local.parameter_arn, "${local.parameter_arn}/*"]
  }

  statement {
    sid       = "ListCIBuckets"
    actions   = ["s3:ListBucket"]
    resources = [for b in var.ci.buckets : b.arn]
  }

  statement {
    sid       = "CIBucketObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [for b in var.ci.buckets : "${b.arn}/*"]
  }

  statement {
    sid       = "CIBucketKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [for b in var.ci.buckets : b.kms_key_arn]
  }
}

resource "aws_iam_role" "ci" {
  name               = "${var.name}-ci"
  description        = "Bamboo agents: push images, write the build cache and artifacts, deploy to the cluster"
  assume_role_policy = data.aws_iam_policy_document.ci_assume.json
}

resource "aws_iam_role_policy" "ci" {
  # checkov:skip=CKV_AWS_356: ecr:GetAuthorizationToken supports no resource-level permissions; every other statement names its resources.
  # checkov:skip=CKV_AWS_111: ecr:GetAuthorizationToken supports no resource-level permissions; every other statement names its resources.
  name   = "ci"
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.ci.json
}

resource "aws_eks_pod_identity_association" "ci" {
  cluster_name    = var.cluster_name
  namespace       = var.ci.namespace
  service_account = var.ci.service_account
  role_arn        = aws_iam_role.ci.arn
}

################################################################################
# People: read-only and admin, both behind MFA
################################################################################

data "aws_iam_policy_document" "people_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity"]

    principals {
      type        = "AWS"
      identifiers = length(var.people_trusted_principal_arns) > 0 ? var.people_trusted_principal_arns : ["arn:${local.partition}:iam::${local.account_id}:root"]
    }

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role" "people" {
  for_each = local.people_roles

  name                 = "${var.name}-${each.key}"
  description          = "People: ${each.key} access to ${var.name} (MFA required)"
  assume_role_policy   = data.aws_iam_policy_document.people_assume.json
  max_session_duration = var.people_max_session_seconds
}

resource "aws_iam_role_policy_attachment" "people" {
  # checkov:skip=CKV_AWS_274: the admin role is the break-glass role for people, behind MFA and short sessions; ViewOnlyAccess is the everyday role.
  for_each = local.people_roles

  role       = aws_iam_role.people[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.key == "readonly" ? "job-function/" : ""}${each.value}"
}
