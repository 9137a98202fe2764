"""Opting in and out of campaign messages, at the gateway (before Rasa, whoever owns the
conversation; the records: store/consent.py).

- "đăng ký nhận tin" (every topic) or "đăng ký nhận tin <topic>", or the offer's button: consent
  is recorded with the exact wording the citizen saw (the offer they pressed the button under,
  or the confirmation they get for the words) and the method. Only the whole message counts, so
  "đăng ký nhận tin nhắn báo hồ sơ thế nào?" is a question for the bot.
- "hủy nhận tin" (and a few other ways to say it) withdraws every topic at once; so does Zalo's
  unfollow event (server/gateway.py).
- After an answer on a topic of CAMPAIGN_OFFER_AFTER, the offer with its button is added once
  per conversation (never to a citizen who has or had consent; not under other buttons: on Zalo
  a typed "1" must mean one thing).
- Every message of a citizen with a contact row notes when they wrote (in the background):
  Zalo's and Messenger's windows for campaigns count from it, whichever worker received it.

If the database is unavailable, an opt-in or opt-out is answered with an honest "not recorded,
try again"; the rest is skipped for 30 s."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Iterable, List, Optional, Tuple

from knowledge.normalize import strip_accents
from server import texts
from server.desk import split_sender
from server.replies import Button, Reply, outcome_of
from store import consent
from store.db import engine_for
from store.records import UNAVAILABLE

log = logging.getLogger(__name__)

SUBSCRIBE_PAYLOAD = "/dang_ky_nhan_tin"
SUBSCRIBE_WORDS = ("dang ky nhan tin", "dang ki nhan tin", "dang ky nhan thong bao", "dang ki nhan thong bao")
UNSUBSCRIBE_WORDS = {"huy nhan tin", "huy dang ky nhan tin", "huy dang ki nhan tin", "dung nhan tin", "ngung nhan tin",
                     "huy nhan thong bao", "huy dang ky nhan thong bao", "tu choi nhan tin", "khong nhan tin nua"}
OFFER_CHANNELS = ("zalo", "facebook", "socketio")  # the REST web channel has no widget to show notices
DOWN_FOR_S = 30.0


def _plain(text: str) -> str:
    return " ".join(strip_accents(text).replace("-", " ").strip(" .!?").split())


class Consent:
    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self._down_until = 0.0

    @property
    def engine(self):
        return engine_for(self.settings.db_url)

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, self.engine, *args)

    def _unavailable(self, exc: BaseException) -> None:
        self._down_until = time.monotonic() + DOWN_FOR_S
        log.warning("consent records unavailable (%s): opt-ins and opt-outs are refused for %.0f s", type(exc).__name__, DOWN_FOR_S)

    def labels(self, keys: Iterable[str]) -> str:
        topics = self.settings.topics
        return ", ".join(topics[k] for k in topics if k in set(keys)) or "—"

    def _terms(self, channel: str, keys: Iterable[str]) -> Tuple[str, str, str, int, str]:
        hours = self.settings.campaign_hours.replace("-", " đến ")
        return self.settings.campaign_sender, channel, self.labels(keys), self.settings.campaign_daily_cap, hours

    # -- what the citizen wrote ----------------------------------------------------------------
    def parse(self, text: str) -> Tuple[Optional[str], List[str]]:
        """("in", topics) | ("out", []) | (None, []) for any other message."""
        if text.strip() == SUBSCRIBE_PAYLOAD:
            return "in", list(self.settings.topics)
        plain = _plain(text)
        if plain in UNSUBSCRIBE_WORDS:
            return "out", []
        for words in SUBSCRIBE_WORDS:
            if plain == words or plain in (f"{words} tat ca", f"{words} ca hai"):
                return "in", list(self.settings.topics)
            rest = plain[len(words):].strip() if plain.startswith(words + " ") else ""
            for key, label in self.settings.topics.items():
                if rest and rest in (_plain(key), _plain(label), _plain(f"tin {label}")):
                    return "in", [key]
        return None, []

    async def on_message(self, sender: str, text: str, at: float) -> Optional[List[Reply]]:
        """The gateway's own answer to an opt-in or opt-out; None for any other message (after
        noting when the citizen wrote)."""
        kind, topics = self.parse(text)
        channel, _ = split_sender(sender)
        if kind is None or not channel:  # noted in the background: the turn does not wait for the database
            self.gateway.work.spawn(f"consent:{sender}", lambda: self._seen(sender, at), label="consent: last message")
            return None
        try:
            if kind == "out":
                had = await self._db(consent.withdraw, sender, consent.KEYWORD, at)
                log.info("consent withdrawn (channel=%s, keyword)", channel)
                return [Reply(text=texts.consent_withdrawn(self.labels(had)) if had else texts.CONSENT_NONE)]
            given = texts.consent_given(*self._terms(channel, topics))
            if text.strip() == SUBSCRIBE_PAYLOAD:
                method, wording = consent.BUTTON, await self._db(consent.offered_wording, sender) or given
            else:
                method, wording = consent.KEYWORD, given
            record = await self._db(consent.give, sender, channel, topics, wording, method, at)
            if record is None:
                return [Reply(text=texts.consent_already(self.labels(await self._db(consent.active_topics, sender))))]
            log.info("consent given (channel=%s, %s, record %s)", channel, method, record)
            return [Reply(text=given)]
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return [Reply(text=texts.CONSENT_FAILED)]

    async def _seen(self, sender: str, at: float) -> None:
        if time.monotonic() < self._down_until:
            return
        try:
            await self._db(consent.seen, sender, at)
        except UNAVAILABLE as exc:
            self._unavailable(exc)

    async def unfollowed(self, sender: str, at: float) -> None:
        """Zalo's unfollow: every topic withdrawn (retried by nobody: logged if it fails)."""
        try:
            if await self._db(consent.withdraw, sender, consent.UNFOLLOW, at):
                log.info("consent withdrawn (channel=zalo, unfollow)")
        except UNAVAILABLE as exc:
            log.error("consent withdrawal on unfollow NOT recorded (%s): run `dvc-bot consent erase` if it persists",
                      type(exc).__name__)

    # -- the offer -----------------------------------------------------------------------------
    async def offer(self, sender: str, gateway_channel: str, replies: List[Reply], at: float) -> List[Reply]:
        """The replies, plus the opt-in offer with its button when this answer is the moment."""
        outcome = outcome_of(replies)
        relevant = {t.strip() for t in self.settings.campaign_offer_after.split(",") if t.strip()}
        if (gateway_channel not in OFFER_CHANNELS or outcome.get("outcome") != "answered" or outcome.get("topic") not in relevant
                or not replies or replies[-1].buttons or time.monotonic() < self._down_until):
            return replies
        channel, _ = split_sender(sender)
        wording = texts.consent_offer(*self._terms(channel, self.settings.topics))
        try:
            if not await self._db(consent.offer, sender, channel, wording, at):
                return replies
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return replies
        return replies + [Reply(text=wording, buttons=[Button(title=texts.SUBSCRIBE_BUTTON, payload=SUBSCRIBE_PAYLOAD)])]
