"""Clients of the messaging platforms' send APIs (Zalo OA, Messenger Graph API)."""
