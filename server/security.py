"""Webhook signature checks (constant-time) and pseudonymous ids for logs.

- Zalo OA: `X-ZEvent-Signature: mac=<hex>`, hex = SHA-256 (plain, not HMAC) of
  app_id + raw body + timestamp (from the JSON body) + OA secret key.
- Messenger: `X-Hub-Signature-256: sha256=<hex>`, hex = HMAC-SHA256(app secret, raw body).
"""
from __future__ import annotations

import hashlib
import hmac
import os
from typing import Optional

# per-process salt: log lines can be correlated within one run, never traced back to a person
_LOG_SALT = os.urandom(16)


def zalo_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    data = app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(data).hexdigest()


def zalo_signature_valid(header: Optional[str], app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    if not header or not timestamp or not app_id or not oa_secret_key:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme.strip().lower() != "mac" or not given:
        return False
    expected = zalo_signature(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def facebook_signature(app_secret: str, raw_body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def facebook_signature_valid(header: Optional[str], app_secret: str, raw_body: bytes) -> bool:
    if not header or not app_secret:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        return False
    expected = facebook_signature(app_secret, raw_body).partition("=")[2]
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def tokens_equal(given: Optional[str], expected: str) -> bool:
    """Constant-time comparison of a shared secret (e.g. the Messenger verify token)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def anon(identifier: str) -> str:
    """A short pseudonym of a platform user id, for log lines (never the id itself)."""
    return hmac.new(_LOG_SALT, identifier.encode(), hashlib.sha256).hexdigest()[:10]
