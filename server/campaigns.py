"""Sending campaigns, in every gateway worker (the tables: store/campaigns.py; the rules:
server/campaign_rules.py).

Every CAMPAIGN_POLL_S, within CAMPAIGN_HOURS (Vietnam time) only, a worker:
1. claims the campaigns that are due (one worker wins each) and lists their recipients;
2. decides, for at most CAMPAIGN_BATCH deliveries of each campaign it sends, whether the message
   may go now (consent still given, the daily cap, the channel's window) and hands it over:
   Zalo and Messenger through this worker's outbox (retried as replies are; a campaign message
   waits in the outbox outside the hours), the website as a notice kept for the citizen's
   widget (the staff desk shows kept messages when the widget connects), or records why not;
3. marks a campaign done once every delivery is settled (the outbox reports sent or failed).

A delivery is marked handed over before its message enters the outbox: a crash in between loses
that one message rather than sending it twice. The clock is injectable (tests move it across
the night)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
import time
from typing import Any, Callable, Dict, Optional

from common.office_hours import TZ
from server import campaign_rules as rules
from server.desk import split_sender
from server.platforms.messenger import TYPE_KEY
from server.platforms.zalo import ENDPOINT_KEY
from store import campaigns as store
from store import consent
from store.db import engine_for
from store.records import UNAVAILABLE

log = logging.getLogger(__name__)
CAMPAIGN_KEY = "_campaign"  # in an outbox message: the delivery it settles (server/outbox.py)


def promotion(settings: Any, topic: str, text: str) -> Dict[str, Any]:
    """A Zalo promotion ("tin truyền thông") message: a header and the text (API v3 template)."""
    elements = [{"type": "header", "content": settings.topics[topic][:100]}, {"type": "text", "align": "left", "content": text}]
    return {ENDPOINT_KEY: "promotion", "attachment": {"type": "template", "payload": {
        "template_type": "promotion", "language": "VI", "elements": elements}}}


class Campaigns:
    def __init__(self, gateway: Any, clock: Callable[[], float] = time.time) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self.clock = clock
        self.worker = f"{socket.gethostname()}:{self.settings.worker_id}"  # the same after a restart
        self.rounds = 0  # rounds done (tests wait for one with the clock they set)

    @property
    def engine(self):
        return engine_for(self.settings.db_url)

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, self.engine, *args, **kwargs)

    def hold(self) -> Optional[float]:
        """None when campaign messages may go out now; else when they may (the outbox waits)."""
        now = dt.datetime.fromtimestamp(self.clock(), TZ)
        schedule = self.settings.campaign_schedule
        return None if schedule.is_open(now) else schedule.next_open(now).timestamp()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.campaign_poll_s)
            try:
                await self.round()
            except UNAVAILABLE as exc:
                log.warning("campaigns: the database is unavailable (%s); next try in %.0f s", type(exc).__name__,
                            self.settings.campaign_poll_s)
            except Exception as exc:  # keep the loop alive
                log.error("campaigns: a round failed: %s", type(exc).__name__)

    async def round(self) -> None:
        now = self.clock()
        try:
            if self.hold() is not None:
                return  # quiet hours: due campaigns wait
            for campaign_id in await self._db(store.due, now):
                if await self._db(store.claim, campaign_id, self.worker, now):
                    log.info("campaign %d: sending", campaign_id)
                else:
                    await self._db(store.finish_if_done, campaign_id, now)  # no recipient, or another worker won
            for campaign in await self._db(store.sending, self.worker):
                for row in await self._db(store.queued, campaign["id"], self.settings.campaign_batch):
                    await self._deliver(campaign, row, now)
                if await self._db(store.finish_if_done, campaign["id"], self.clock()):
                    log.info("campaign %d: done", campaign["id"])
        finally:
            self.rounds += 1

    async def _deliver(self, campaign: Dict[str, Any], row: Dict[str, Any], now: float) -> None:
        subject, channel = row["subject"], row["channel"]
        _, user = split_sender(subject)
        if campaign["topic"] not in await self._db(consent.active_topics, subject):
            await self._db(store.settle, row["id"], store.BLOCKED, at=now, code="withdrawn",
                           reason="công dân đã hủy nhận tin sau khi chiến dịch bắt đầu.")
            return
        last, sent_in_window = row["last_citizen_at"], 0
        zalo = self.gateway.channels.get("zalo")
        local = zalo.window.state(user) if channel == "zalo" and zalo else None
        if local and local[0] >= (last or 0):  # this worker saw the latest message: its count holds
            last, sent_in_window = local
        decision = rules.decide(channel, last, sent_in_window, now, enabled={c: c in self.gateway.channels for c in rules.LIMITS},
                                zalo_promotion=self.settings.zalo_promotion, cap=self.settings.campaign_daily_cap,
                                sent_today=await self._db(store.handed_over_since, subject, rules.day_start(now)))
        if decision.route is None:
            await self._db(store.settle, row["id"], store.BLOCKED, at=now, code=decision.code, reason=decision.reason)
            return
        text = rules.message(self.settings, campaign["topic"], campaign["text"])
        if decision.route == "web":
            notice = await self._db(store.keep_notice, subject, text, now)
            await self._db(store.settle, row["id"], store.WAITING, at=now, route="web", message_id=notice)
            await self.gateway.desk.push_web(user)
            return
        if decision.route == "promotion":
            message = promotion(self.settings, campaign["topic"], text)
        elif decision.route == "cs":
            message = {"text": text}
            zalo.window.adopt(user, last, sent_in_window)  # the window as the database knows it
        else:
            message = {"text": text, TYPE_KEY: "UPDATE"}  # Messenger: proactive, inside the 24 h window
        await self._db(store.settle, row["id"], store.OUTBOX, at=now, route=decision.route)
        outbox = self.gateway.outbox
        outbox.enqueue(channel, user, [{**message, CAMPAIGN_KEY: row["id"]}])
        self.gateway.work.spawn(f"{channel}:{user}", lambda: outbox.flush(channel, user), label="campaign message")

    async def settled(self, delivery_id: int, sent: bool, reason: str) -> None:
        """The outbox sent a campaign message, or gave it up (server/outbox.py)."""
        if sent:
            await self._db(store.settle, delivery_id, store.SENT)
        else:
            await self._db(store.settle, delivery_id, store.FAILED, code="send_failed", reason=reason)
