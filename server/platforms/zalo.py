"""Zalo OA: send consultation messages, refresh and persist tokens, enforce the reply window.

- Send: POST {ZALO_API_BASE}/v3.0/oa/message/cs, header `access_token`, JSON
  {"recipient": {"user_id": ...}, "message": {...}}. Zalo answers HTTP 200 with {"error": 0}
  on success and a negative error code otherwise.
- Refresh: POST {ZALO_OAUTH_BASE}/v4/oa/access_token, header `secret_key` (the app secret), form
  refresh_token, app_id, grant_type=refresh_token. The refresh token is single-use: the new one
  is stored before the new access token is used.
- Reply window: consultation messages are free for 8 replies within 48 h of the citizen's last
  message; the gateway never sends outside it (a 9th reply, or a retry after 48 h, is dropped).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any, Callable, Dict, Optional, Tuple

import httpx

from common.settings import Settings
from server.outbox import SendFailed
from server.platforms.http import json_body, post
from server.storage import Database

log = logging.getLogger(__name__)

# Zalo error codes meaning the access token is invalid or expired: refresh and try again
TOKEN_ERRORS = {-216, -124}
REFRESH_MARGIN_S = 300.0
WINDOW_S = 48 * 3600.0
WINDOW_REPLIES = 8


class ReplyWindow:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def note_inbound(self, user: str, at: Optional[float] = None) -> None:
        """The citizen wrote (or followed): a new window of WINDOW_REPLIES replies opens."""
        at = min(at or self.clock(), self.clock())
        self.db.execute(
            "INSERT INTO zalo_window (user_id, last_inbound, replies) VALUES (?, ?, 0) "
            "ON CONFLICT(user_id) DO UPDATE SET last_inbound = excluded.last_inbound, replies = 0 "
            "WHERE excluded.last_inbound >= zalo_window.last_inbound",
            (user, at),
        )

    def check(self, user: str) -> Tuple[bool, str]:
        rows = self.db.query("SELECT last_inbound, replies FROM zalo_window WHERE user_id = ?", (user,))
        if not rows:
            return False, "no message from this user (outside the reply window)"
        if self.clock() - rows[0]["last_inbound"] > WINDOW_S:
            return False, "more than 48 h since the user's last message (outside the reply window)"
        if rows[0]["replies"] >= WINDOW_REPLIES:
            return False, f"{WINDOW_REPLIES} replies already sent since the user's last message"
        return True, ""

    def state(self, user: str) -> Optional[Tuple[float, int]]:
        """(the citizen's last message, replies sent since) as this worker knows them."""
        rows = self.db.query("SELECT last_inbound, replies FROM zalo_window WHERE user_id = ?", (user,))
        return (rows[0]["last_inbound"], rows[0]["replies"]) if rows else None

    def adopt(self, user: str, last_inbound: float, replies: int) -> None:
        """What the shared database knows (another worker may have received the citizen's
        message): its window wins when newer; for the same message the larger count wins."""
        self.db.execute(
            "INSERT INTO zalo_window (user_id, last_inbound, replies) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET replies = CASE WHEN excluded.last_inbound > zalo_window.last_inbound "
            "THEN excluded.replies ELSE MAX(zalo_window.replies, excluded.replies) END, "
            "last_inbound = MAX(zalo_window.last_inbound, excluded.last_inbound)",
            (user, last_inbound, replies),
        )

    def note_sent(self, user: str) -> None:
        self.db.execute("UPDATE zalo_window SET replies = replies + 1 WHERE user_id = ?", (user,))

    def forget(self, user: str) -> None:
        self.db.execute("DELETE FROM zalo_window WHERE user_id = ?", (user,))


class ZaloTokens:
    """The current access token; refreshes it (once at a time) and persists both tokens."""

    def __init__(self, db: Database, settings: Settings, http: httpx.AsyncClient, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.settings = settings
        self.http = http
        self.clock = clock
        self._lock = asyncio.Lock()
        seed = hashlib.sha256(f"{settings.zalo_access_token}\n{settings.zalo_refresh_token}".encode()).hexdigest()
        row = self._row()
        if row is None or row["seed"] != seed:
            # first start, or the operator put new tokens in the environment: they win
            self.db.execute(
                "INSERT OR REPLACE INTO zalo_tokens (id, access_token, refresh_token, expires_at, seed, updated_at) "
                "VALUES (1, ?, ?, NULL, ?, ?)",
                (settings.zalo_access_token, settings.zalo_refresh_token, seed, self.clock()),
                durable=True,
            )

    def _row(self) -> Optional[Any]:
        rows = self.db.query("SELECT * FROM zalo_tokens WHERE id = 1")
        return rows[0] if rows else None

    @property
    def refresh_token(self) -> str:
        return self._row()["refresh_token"]

    async def current(self) -> str:
        row = self._row()
        expiring = row["expires_at"] is not None and self.clock() > row["expires_at"] - REFRESH_MARGIN_S
        if not row["access_token"] or expiring:
            return await self.refresh(stale=row["access_token"])
        return row["access_token"]

    async def refresh(self, stale: str) -> str:
        async with self._lock:
            row = self._row()
            if row["access_token"] and row["access_token"] != stale:
                return row["access_token"]  # refreshed meanwhile by another send
            if not (row["refresh_token"] and self.settings.zalo_app_secret):
                raise SendFailed("access token rejected and no refresh token/app secret to renew it", retryable=True)
            response = await post(
                self.http,
                f"{self.settings.zalo_oauth_base.rstrip('/')}/v4/oa/access_token",
                headers={"secret_key": self.settings.zalo_app_secret},
                data={"refresh_token": row["refresh_token"], "app_id": self.settings.zalo_app_id,
                      "grant_type": "refresh_token"},
            )
            body = json_body(response) or {}
            access, refresh = body.get("access_token"), body.get("refresh_token")
            if response.status_code != 200 or not access or not refresh:
                code = body.get("error", response.status_code)
                log.error("zalo token refresh failed (error %s): set a new ZALO_REFRESH_TOKEN if this persists", code)
                raise SendFailed(f"token refresh failed (error {code})", retryable=True)
            try:
                expires_in = float(body.get("expires_in") or 0)
            except (TypeError, ValueError):
                expires_in = 0.0
            expires_at = self.clock() + expires_in if expires_in > 0 else None
            self.db.execute(
                "UPDATE zalo_tokens SET access_token = ?, refresh_token = ?, expires_at = ?, updated_at = ? WHERE id = 1",
                (access, refresh, expires_at, self.clock()),
                durable=True,
            )
            log.info("zalo access token refreshed; the new refresh token is stored")
            return access


ENDPOINT_KEY = "_endpoint"  # in an outbox message: "promotion" for a campaign message outside the window


class ZaloApi:
    """Sends one consultation message within the reply window (a `ChannelSender`); a campaign
    message marked `"_endpoint": "promotion"` goes to the promotion endpoint instead ("tin truyền
    thông", paid, outside the window: only when ZALO_PROMOTION says the OA has the package)."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, tokens: ZaloTokens, window: ReplyWindow) -> None:
        self.url = f"{settings.zalo_api_base.rstrip('/')}/v3.0/oa/message/cs"
        self.promotion_url = f"{settings.zalo_api_base.rstrip('/')}/v3.0/oa/message/promotion"
        self.http = http
        self.tokens = tokens
        self.window = window

    async def _post(self, token: str, recipient: str, message: Dict[str, Any], url: str) -> Dict[str, Any]:
        response = await post(
            self.http, url, headers={"access_token": token},
            json={"recipient": {"user_id": recipient}, "message": message},
        )
        body = json_body(response)
        if response.status_code != 200:
            raise SendFailed(f"HTTP {response.status_code}", retryable=False)
        if body is None:
            raise SendFailed("unreadable answer", retryable=True)
        return body

    async def send(self, recipient: str, message: Dict[str, Any]) -> None:
        message = dict(message)
        promotion = message.pop(ENDPOINT_KEY, None) == "promotion"
        if not promotion:
            allowed, why = self.window.check(recipient)
            if not allowed:
                raise SendFailed(why, retryable=False)
        url = self.promotion_url if promotion else self.url
        token = await self.tokens.current()
        body = await self._post(token, recipient, message, url)
        if body.get("error") in TOKEN_ERRORS:
            token = await self.tokens.refresh(stale=token)
            body = await self._post(token, recipient, message, url)
        code = body.get("error", 0)
        if code in TOKEN_ERRORS:
            raise SendFailed(f"access token rejected (error {code})", retryable=True)
        if code != 0:
            raise SendFailed(f"Zalo error {code}", retryable=False)
        if not promotion:
            self.window.note_sent(recipient)
