# State bucket of prod (see live/prod.backend.hcl).
project     = "acme"
environment = "prod"
account_id  = "333333333333"
region      = "eu-central-1"
owner       = "platform-team"
cost_center = "cc-2001-operations"
