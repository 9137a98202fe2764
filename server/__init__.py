"""FastAPI gateway: channel webhooks (web, Zalo, Facebook) in front of Rasa."""
