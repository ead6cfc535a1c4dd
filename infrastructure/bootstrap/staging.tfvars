# State bucket of staging (see live/staging.backend.hcl).
project     = "acme"
environment = "staging"
account_id  = "222222222222"
region      = "eu-central-1"
owner       = "platform-team"
cost_center = "cc-1001-engineering"
