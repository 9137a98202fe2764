"""dvc-bot: command line, settings and process supervision for the DVCTT assistant."""
