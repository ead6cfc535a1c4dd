# Bootstrap state of prod stays local (the bucket it creates cannot hold it).
path = "state/prod.tfstate"
