"""Durable delivery of replies to Zalo and Messenger.

Every outgoing message is written to the `outbox` table first, then sent. A send is tried a few
times at once (short backoff on 5xx, timeouts, connection errors); if it still fails it stays in
the outbox and a worker retries it with exponential backoff, across restarts, until it is sent or
`outbox_max_attempts` is reached (then it is kept as `dead` for an operator). Messages to one
recipient are sent in order. Log lines name the channel, a pseudonym and the error kind only.

A campaign message carries `"_campaign": <delivery id>` (server/campaigns.py): it is told to
`on_settled` once sent or given up, and it waits while `campaign_hold` says campaign messages may
not go out now (outside CAMPAIGN_HOURS), without counting an attempt."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol, Tuple

from server.security import anon
from server.storage import Database

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 3600.0


class SendFailed(Exception):
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class ChannelSender(Protocol):
    async def send(self, recipient: str, message: Dict[str, Any]) -> None:
        """Deliver one message or raise SendFailed."""


class Outbox:
    def __init__(
        self,
        db: Database,
        senders: Dict[str, ChannelSender],
        *,
        attempts: int = 3,
        backoff_s: float = 0.5,
        retry_base_s: float = 10.0,
        max_attempts: int = 12,
        poll_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        on_failure: Optional[Callable[[str, bool], None]] = None,
        on_settled: Optional[Callable[[int, bool, str], Awaitable[None]]] = None,
        campaign_hold: Optional[Callable[[], Optional[float]]] = None,
    ) -> None:
        self.db = db
        self.senders = senders
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.retry_base_s = retry_base_s
        self.max_attempts = max(1, max_attempts)
        self.poll_s = poll_s
        self.clock = clock
        self.on_failure = on_failure  # (channel, final) after a failed round (metrics)
        self.on_settled = on_settled  # (campaign delivery id, sent, reason) once a campaign message is settled
        self.campaign_hold = campaign_hold  # None: campaign messages may go now; else the epoch when they may
        self._locks: Dict[Tuple[str, str], asyncio.Lock] = {}
        self._users: Dict[Tuple[str, str], int] = {}

    # -- writing -------------------------------------------------------------------------
    async def deliver(self, channel: str, recipient: str, messages: List[Dict[str, Any]]) -> None:
        """Persist the messages of one turn, then send them (in order)."""
        if not messages:
            return
        self.enqueue(channel, recipient, messages)
        await self.flush(channel, recipient)

    def enqueue(self, channel: str, recipient: str, messages: List[Dict[str, Any]]) -> None:
        """Persist messages to send; `flush` (or the retry worker) sends them."""
        now = self.clock()
        self.db.executemany(
            "INSERT INTO outbox (channel, recipient, message, next_at, created_at) VALUES (?, ?, ?, ?, ?)",
            [(channel, recipient, json.dumps(m, ensure_ascii=False), now, now) for m in messages],
        )

    # -- sending -------------------------------------------------------------------------
    async def flush(self, channel: str, recipient: str) -> None:
        key = (channel, recipient)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # one sender of a recipient's messages at a time: order, no doubles
                rows = self.db.query(
                    "SELECT id, message, attempts, next_at FROM outbox WHERE channel = ? AND recipient = ? "
                    "AND status = 'pending' ORDER BY id",
                    (channel, recipient),
                )
                for row in rows:
                    if row["next_at"] > self.clock():
                        break  # an earlier message is waiting for its retry: keep the order
                    if not await self._attempt(channel, recipient, row):
                        break
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def _attempt(self, channel: str, recipient: str, row: Any) -> bool:
        """Try one message; True when it is settled (sent or dead), False to retry later."""
        sender = self.senders.get(channel)
        if sender is None:
            return False  # channel disabled now; keep the message for when it is enabled again
        message = json.loads(row["message"])
        campaign = message.pop("_campaign", None)
        until = self.campaign_hold() if campaign is not None and self.campaign_hold else None
        if until:
            self.db.execute("UPDATE outbox SET next_at = ? WHERE id = ?", (until, row["id"]))
            return False  # outside the campaign hours: waits, no attempt counted
        error: Optional[SendFailed] = None
        for attempt in range(self.attempts):
            try:
                await sender.send(recipient, message)
            except SendFailed as exc:
                error = exc
                if not exc.retryable:
                    break
                if attempt + 1 < self.attempts:
                    await asyncio.sleep(self.backoff_s * (2 ** attempt))
                continue
            self.db.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
            await self._settled(campaign, True, "")
            return True
        assert error is not None
        total = row["attempts"] + 1
        who = anon(recipient)
        final = not error.retryable or total >= self.max_attempts
        if self.on_failure:
            self.on_failure(channel, final)
        if final:
            self.db.execute(
                "UPDATE outbox SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?",
                (total, error.reason, row["id"]),
            )
            log.error("%s send to %s given up after %d round(s): %s", channel, who, total, error.reason)
            await self._settled(campaign, False, error.reason)
            return True
        delay = min(self.retry_base_s * (2 ** (total - 1)), MAX_BACKOFF_S)
        self.db.execute(
            "UPDATE outbox SET attempts = ?, last_error = ?, next_at = ? WHERE id = ?",
            (total, error.reason, self.clock() + delay, row["id"]),
        )
        log.warning("%s send to %s failed (%s); kept in the outbox, retry %d/%d in %.1f s",
                    channel, who, error.reason, total, self.max_attempts - 1, delay)
        return False

    async def _settled(self, campaign: Optional[int], sent: bool, reason: str) -> None:
        if campaign is None or self.on_settled is None:
            return
        try:
            await self.on_settled(int(campaign), sent, reason)
        except Exception as exc:  # the message itself is settled; only its report is not
            log.error("campaign delivery %s not recorded as %s: %s", campaign, "sent" if sent else "failed", type(exc).__name__)

    # -- the retry worker ----------------------------------------------------------------
    def due(self) -> List[Tuple[str, str]]:
        channels = list(self.senders)
        if not channels:
            return []
        marks = ",".join("?" for _ in channels)
        # a recipient is due when its oldest pending message is (later ones wait behind it)
        rows = self.db.query(
            f"SELECT o.channel, o.recipient FROM outbox o WHERE o.status = 'pending' "
            f"AND o.channel IN ({marks}) AND o.next_at <= ? AND o.id = (SELECT MIN(id) FROM outbox "
            f"WHERE channel = o.channel AND recipient = o.recipient AND status = 'pending')",
            (*channels, self.clock()),
        )
        return [(r["channel"], r["recipient"]) for r in rows]

    def counts(self) -> Dict[str, int]:
        rows = self.db.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    async def run(self) -> None:
        """Retry due messages until cancelled (started with the gateway; picks up old rows)."""
        while True:
            for channel, recipient in self.due():
                try:
                    await self.flush(channel, recipient)
                except Exception as exc:  # keep the worker alive
                    log.error("outbox worker: %s", type(exc).__name__)
            await asyncio.sleep(self.poll_s)
