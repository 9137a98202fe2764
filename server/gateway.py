"""Everything a channel needs at run time, built once per gateway process (FastAPI lifespan):
the Rasa client, the outbound HTTP client, the SQLite store, the outbox and its retry worker,
the inbox of acknowledged events, de-duplication, rate limiting and background work; the staff
desk, opt-in and opt-out of campaigns (server/consent.py) and their sending (server/campaigns.py).

Webhooks only check, de-duplicate and record an event (`accept`), then answer 200; the turn
runs in the background (`_process`): rate limit, normalisation, Rasa, the channel's renderer,
the outbox. A conversation handed over to staff skips Rasa while staff own it (server/desk.py).

Personal numbers (CCCD/CMND, phone, email, bank account: common.redact) are masked out of the
citizen's text at the edge, right after normalisation and before anything stores it (the inbox,
Rasa's tracker store, the actions' records). A turn whose text was masked gets
`texts.PRIVACY_NOTICE` once per conversation (keyed by the conversation's pseudonym in the
de-duplication store: shared through Redis by several workers, for DEDUP_TTL_S)."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Callable, Dict, List, Optional, Protocol

import httpx

from common.logs import conversation_id_for, fields
from common.redact import callback_contact, redact_with_flag
from common.settings import Settings
from knowledge.normalize import normalize_text
from server import texts
from server.campaigns import Campaigns
from server.consent import Consent
from server.conversation import handle_turn
from server.desk import Desk
from server.dedup import DedupStore, make_dedup
from server.events import FOLLOW, MAX_TEXT, TEXT, UNFOLLOW, Inbound
from server.outbox import Outbox
from server.ratelimit import RateLimiter, Verdict
from server.rasa_client import RasaClient
from server.render.text import units
from server.metrics import Metrics
from server.replies import Reply, outcome_of
from server.storage import Database
from server.warmup import WarmUp
from server.work import Work

log = logging.getLogger(__name__)


def private_text(text: str) -> "tuple[str, bool]":
    """The citizen's text as the bot may keep it: normalised, personal numbers masked; and
    whether anything was masked."""
    return redact_with_flag(normalize_text(text))


RASA_SENDER_PREFIX = {"zalo": "zalo", "facebook": "fb", "web": "web"}


class Channel(Protocol):
    name: str

    def before_turn(self, event: Inbound) -> None:
        """Bookkeeping when an event is processed (e.g. Zalo's reply window)."""

    def resolve(self, user: str, text: str) -> str:
        """Map a channel-specific answer (e.g. a number for a Zalo button) to what Rasa gets."""

    async def send(self, user: str, replies: List[Reply]) -> int:
        """Render and hand the replies to the outbox; returns how many messages."""


class Gateway:
    def __init__(self, settings: Settings, dedup: Optional[DedupStore] = None, metrics: Optional[Metrics] = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.rasa = RasaClient(settings.rasa_base_url, settings.actions_url, settings.rasa_timeout_s, settings.rasa_token)
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.outbound_timeout_s, connect=min(3.0, settings.outbound_timeout_s)),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self._turns = asyncio.Semaphore(max(1, settings.turn_concurrency))
        self.turns_waiting = 0  # turns waiting for one of the TURN_CONCURRENCY slots
        self.db = Database(settings.data_dir / settings.gateway_db_name)
        self.dedup = dedup or make_dedup(settings)
        self.limiter = RateLimiter(settings.rate_limit_messages, settings.rate_limit_window_s)
        self.work = Work()
        self.channels: Dict[str, Channel] = {}
        self.outbox = Outbox(
            self.db, {},
            attempts=settings.outbound_attempts, backoff_s=settings.outbound_backoff_s,
            retry_base_s=settings.outbox_retry_base_s, max_attempts=settings.outbox_max_attempts,
            poll_s=settings.outbox_poll_s, on_failure=self.metrics.send_failed,
        )
        self.desk = Desk(self)
        self.consent = Consent(self)
        self.campaigns = Campaigns(self)
        self.outbox.on_settled, self.outbox.campaign_hold = self.campaigns.settled, self.campaigns.hold
        self._worker: Optional[asyncio.Task] = None
        self._desk_worker: Optional[asyncio.Task] = None
        self._campaign_worker: Optional[asyncio.Task] = None
        self._warmer: Optional[asyncio.Task] = None
        self.warm_up = WarmUp(self.rasa, settings.rasa_timeout_s, settings.worker_id)
        self._setup_channels()

    def _setup_channels(self) -> None:
        from server.channels.facebook import FacebookChannel
        from server.channels.zalo import ZaloChannel

        for name, missing, build in (
            ("zalo", self.settings.zalo_missing(), lambda: ZaloChannel(self)),
            ("facebook", self.settings.facebook_missing(), lambda: FacebookChannel(self)),
        ):
            if missing:
                log.warning("%s channel disabled: set %s to enable it (its webhook answers 503)", name, ", ".join(missing))
                continue
            channel = build()
            self.channels[name] = channel
            self.outbox.senders[name] = channel.api
            log.info("%s channel enabled", name)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.settings.warm_up:
            self._warmer = loop.create_task(self.warm_up.run())  # /health says ready when it is done
        else:
            self.warm_up.ready.set()
        self._worker = loop.create_task(self.outbox.run())
        self._desk_worker = loop.create_task(self.desk.run())
        self._campaign_worker = loop.create_task(self.campaigns.run())
        self._resume_inbox()

    @property
    def ready(self) -> bool:
        """Warmed up: turns through Rasa and the actions came back within RASA_TIMEOUT_S."""
        return self.warm_up.ready.is_set()

    async def close(self) -> None:
        if self._warmer:
            self._warmer.cancel()
            try:
                await self._warmer
            except asyncio.CancelledError:
                pass
        await self.work.drain(timeout_s=self.settings.shutdown_grace_s)
        for task in (self._worker, self._desk_worker, self._campaign_worker):
            if task:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        await self.http.aclose()
        await self.rasa.close()
        self.db.close()

    def _resume_inbox(self) -> None:
        """Events acknowledged but not processed before the last stop are processed now."""
        rows = self.db.query("SELECT id, event FROM inbox ORDER BY id")
        for row in rows:
            event = Inbound.from_dict(json.loads(row["event"]))
            self._spawn(row["id"], event)
        if rows:
            log.info("resuming %d acknowledged event(s) from the inbox", len(rows))

    # -- the webhook side (fast) ---------------------------------------------------------
    def accept(self, event: Inbound, dedup_key: str) -> str:
        """Record one checked event and process it in the background. Returns
        'accepted', 'duplicate' or 'stale' (older than the de-duplication window)."""
        if event.at and event.at < time.time() - self.settings.dedup_ttl_s:
            return "stale"
        if not self.dedup.first_time(f"{event.channel}:{dedup_key}"):
            return "duplicate"
        if event.kind == TEXT:  # masked before the inbox keeps it (a call-back contact aside)
            event.contact = callback_contact(normalize_text(event.text)) or ""
            event.text, masked = private_text(event.text)
            event.masked = event.masked or masked
        cursor = self.db.execute(
            "INSERT INTO inbox (channel, event, created_at) VALUES (?, ?, ?)",
            (event.channel, json.dumps(event.to_dict(), ensure_ascii=False), time.time()),
        )
        self._spawn(cursor.lastrowid, event)
        return "accepted"

    def _spawn(self, inbox_id: int, event: Inbound) -> None:
        async def job() -> None:
            try:
                await self._process(event)
            except asyncio.CancelledError:
                raise  # shutting down: the event stays in the inbox for the next start
            except BaseException:
                self.db.execute("DELETE FROM inbox WHERE id = ?", (inbox_id,))
                raise
            self.db.execute("DELETE FROM inbox WHERE id = ?", (inbox_id,))

        self.work.spawn(f"{event.channel}:{event.user}", job, label=f"{event.channel} event")

    # -- the background side -------------------------------------------------------------
    async def _process(self, event: Inbound) -> None:
        channel = self.channels.get(event.channel)
        if channel is None:
            log.warning("%s event dropped: the channel is disabled", event.channel)
            return
        channel.before_turn(event)
        if event.kind == UNFOLLOW:  # Zalo: the citizen left the OA, which withdraws every consent
            await self.consent.unfollowed(f"{RASA_SENDER_PREFIX[event.channel]}:{event.user}", event.at or time.time())
            return
        replies = await self.replies_for(event, channel)
        if replies:
            sent = await channel.send(event.user, replies)
            if event.channel == "zalo":
                await self.desk.note_sent(f"zalo:{event.user}", sent)

    async def replies_for(self, event: Inbound, channel: Channel) -> List[Reply]:
        sender = f"{RASA_SENDER_PREFIX[event.channel]}:{event.user}"
        verdict = self.limiter.check(sender)
        if verdict is Verdict.DROP:
            return []
        if verdict is Verdict.NOTIFY:
            return [Reply(text=texts.RATE_LIMITED)]
        if event.kind == FOLLOW:
            return [Reply(text=texts.WELCOME)]
        if event.kind != TEXT:
            return [Reply(text=texts.cannot_read(event.kind))]
        text, masked = private_text(event.text)
        if not text:
            return []
        if units(text) > MAX_TEXT:
            return [Reply(text=texts.TOO_LONG)]
        return await self._turn(sender, text, event.channel, masked or event.masked, event.contact,
                                event.at or time.time(), resolve=lambda t: channel.resolve(event.user, t))

    async def _turn(self, sender: str, text: str, channel: str, masked: bool, contact: str, at: float,
                    resolve: Callable[[str], str] = lambda text: text) -> List[Reply]:
        """A citizen's text: an opt-in or opt-out of campaigns is answered here (whoever owns the
        conversation); else to the staff thread while staff own the conversation, else to Rasa."""
        answered = await self.consent.on_message(sender, resolve(text), at)
        if answered is not None:
            return answered
        owner = await self.desk.lookup(sender)
        held = await self.desk.hold(owner, text, contact, at)
        if held is not None:
            return held
        replies = await self.rasa_turn(sender, resolve(text), channel)
        replies = await self.desk.after_turn(owner, sender, replies, at)
        replies = await self.consent.offer(sender, channel, replies, at)
        return self._with_notice(sender, replies, masked)

    async def rasa_turn(self, sender: str, text: str, channel: str) -> List[Reply]:
        """One turn through Rasa; at most TURN_CONCURRENCY at once, the others wait here (a
        backlog of queued HTTP requests would slow the whole event loop down). Before the warm-up
        is done a turn waits for it (at most WARM_UP_WAIT_S): a cold Rasa would answer too late
        and the citizen would get the apology."""
        start = time.perf_counter()
        if self.warm_up.worth_waiting:
            log.info("a turn waits for the warm-up (at most %.0f s)", self.settings.warm_up_wait_s)
            if not await self.warm_up.wait(self.settings.warm_up_wait_s):
                log.warning("turn sent to Rasa before the warm-up finished (waited %.0f s)", self.settings.warm_up_wait_s)
        self.turns_waiting += 1
        try:
            await self._turns.acquire()
        finally:
            self.turns_waiting -= 1
        try:
            replies = await handle_turn(self.rasa, sender, text, channel=channel)
        finally:
            self._turns.release()
        self._observe(sender, channel, time.perf_counter() - start, replies)
        return replies

    def _observe(self, sender: str, channel: str, seconds: float, replies: List[Reply]) -> None:
        """Metrics and one structured log line per turn (a pseudonym, never the sender id)."""
        outcome = outcome_of(replies)
        self.metrics.turn(channel, seconds, outcome)
        log.info("turn", extra=fields(
            conversation=conversation_id_for(sender, self.settings), channel=channel,
            latency_ms=round(seconds * 1000, 1), **outcome,
        ))

    def web_admit(self, sender: str) -> bool:
        """Per-sender rate limit of the website (REST and socket.io); over it, every message
        gets the polite RATE_LIMITED reply (there is no platform quota to save here)."""
        return self.limiter.check(f"web:{sender}") is Verdict.OK

    async def web_turn(self, sender: str, text: str, channel: str = "web") -> List[Reply]:
        """A turn for the website: same text normalisation and limits as the platforms; the
        caller returns the replies itself."""
        contact = callback_contact(normalize_text(text)) or ""
        text, masked = private_text(text)
        if not text:
            return []
        if units(text) > MAX_TEXT:
            return [Reply(text=texts.TOO_LONG)]
        return await self._turn(f"web:{sender}", text, channel, masked, contact, time.time())

    def _with_notice(self, sender: str, replies: List[Reply], masked: bool) -> List[Reply]:
        """The replies, plus the privacy notice on the first masked turn of a conversation (after
        the answer, before a last reply with buttons so that the buttons stay last)."""
        if not masked:
            return replies
        if not self.dedup.first_time(f"privacy-notice:{conversation_id_for(sender, self.settings)}"):
            return replies
        notice = Reply(text=texts.PRIVACY_NOTICE)
        at = len(replies) - 1 if replies and replies[-1].buttons else len(replies)
        return replies[:at] + [notice] + replies[at:]
