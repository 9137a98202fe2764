"""Durable store for what citizens tell us: ratings, feedback comments, handoff requests.

SQLite under DVC_DATA_DIR by default, PostgreSQL when DATABASE_URL is set. Personal numbers are
redacted before anything is written (common.redact)."""
