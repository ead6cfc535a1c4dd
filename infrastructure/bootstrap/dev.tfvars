# State bucket of dev (see live/dev.backend.hcl).
project     = "acme"
environment = "dev"
account_id  = "111111111111"
region      = "eu-central-1"
owner       = "platform-team"
cost_center = "cc-1001-engineering"
