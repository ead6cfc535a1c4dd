# Bootstrap state of dev stays local (the bucket it creates cannot hold it).
path = "state/dev.tfstate"
