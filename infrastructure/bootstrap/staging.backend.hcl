# Bootstrap state of staging stays local (the bucket it creates cannot hold it).
path = "state/staging.tfstate"
