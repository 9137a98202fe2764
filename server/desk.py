"""The gateway's side of the staff desk (the tables and states: store/desk.py).

Citizens' messages: before a turn goes to Rasa, `hold` looks up who owns the conversation (one
read of the shared database). While a request is open and staff are at work (OFFICE_HOURS), the
message goes to the staff thread instead of Rasa, and the citizen is told once that a person will
answer. Outside office hours the bot keeps answering (and the thread records both sides), and the
citizen is told once when staff will. After a turn, `after_turn` sees the bot's handoff marker
and hands the conversation over.

Staff messages (`reply`, `release`, `close`, `feedback_reply`) go out under each channel's rules
(server/delivery.py), refused with the reason otherwise: Zalo and Messenger through this
worker's outbox; the website through socket.io, live when the widget is connected to this worker,
else kept in the database and shown by whichever worker the widget connects to (each worker
looks for kept messages of its widgets every STAFF_POLL_S, and at once when a widget connects).

If the database is unavailable the bot answers as usual (the desk is skipped for 30 s)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from common.office_hours import TZ, describe
from knowledge.normalize import strip_accents
from server import delivery, texts
from server.platforms.messenger import TAG_KEY
from server.render import messenger as messenger_render
from server.render import zalo as zalo_render
from server.render.webchat import markdown_lines
from server.replies import Reply, joined_text
from store import desk
from store import staff as accounts
from store.db import engine_for
from store.outcomes import HANDOFF
from store.records import UNAVAILABLE

log = logging.getLogger(__name__)

PLATFORMS = {"zalo": "zalo", "fb": "facebook", "web": "web"}  # sender prefix -> channel
BACK_TO_BOT_WORDS = {"tro ly ao", "quay lai tro ly ao", "gap tro ly ao", "hoi tro ly ao"}
DOWN_FOR_S = 30.0


def split_sender(sender: str) -> Tuple[str, str]:
    """"zalo:123" -> ("zalo", "123"); ("", sender) when no channel can deliver to it."""
    prefix, _, user = sender.partition(":")
    return PLATFORMS.get(prefix, ""), user


def wants_the_bot(text: str) -> bool:
    return strip_accents(text).lower().strip(" .!?") in BACK_TO_BOT_WORDS


def _before_buttons(replies: List[Reply], notice: Reply) -> List[Reply]:
    at = len(replies) - 1 if replies and replies[-1].buttons else len(replies)
    return replies[:at] + [notice] + replies[at:]


class Desk:
    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self.sio: Any = None
        self._widgets: Dict[str, str] = {}  # socket id -> web session id (widgets connected here)
        self._tracked: Dict[str, None] = {}  # senders seen here with a desk row (bounded, oldest out)
        self._down_until = 0.0

    @property
    def engine(self):
        return engine_for(self.settings.db_url)  # migrated at first use

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, self.engine, *args, **kwargs)

    def _unavailable(self, exc: BaseException) -> None:
        self._down_until = time.monotonic() + DOWN_FOR_S
        log.warning("staff desk unavailable (%s): the bot answers every conversation for %.0f s", type(exc).__name__, DOWN_FOR_S)

    def _later(self) -> Optional[str]:
        """When staff will answer, if they are not at work now."""
        now = dt.datetime.now(TZ)
        office = self.settings.office
        return None if office.is_open(now) else describe(office.next_open(now), now)

    # -- citizens' messages ------------------------------------------------------------------
    async def lookup(self, sender: str) -> Optional[Dict[str, Any]]:
        if time.monotonic() < self._down_until:
            return None
        try:
            owner = await self._db(desk.owner_of, sender)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return None
        if owner is not None:
            self._track(sender)
        return owner

    def _track(self, sender: str) -> None:
        self._tracked[sender] = None
        if len(self._tracked) > 10000:
            del self._tracked[next(iter(self._tracked))]

    async def hold(self, owner: Optional[Dict[str, Any]], text: str, contact: str, at: float) -> Optional[List[Reply]]:
        """None: the bot answers this message. Otherwise what the gateway answers itself (maybe
        nothing): the message went to the staff thread."""
        if owner is None:
            return None
        sender = owner["conversation_id"]
        try:
            if owner["owner"] == desk.BOT:
                await self._db(desk.note_seen, sender, at)
                return None
            await self._db(desk.note_citizen, owner, text, at, contact or None)
            if contact:
                return [Reply(text=texts.CALLBACK_NOTED)]
            if wants_the_bot(text):
                await self._db(desk.give_back, owner["handoff_id"], "citizen", time.time(), close=False)
                await self._db(accounts.audit, "citizen", "release", f"handoff:{owner['handoff_id']}", "the citizen asked for the bot")
                return [Reply(text=texts.BACK_TO_BOT)]
            if self._later():
                return None  # outside office hours the bot keeps helping (after_turn says when staff answer)
            return [Reply(text=texts.PERSON_WILL_ANSWER)] if await self._db(desk.mark_told, sender, "held") else []
        except (KeyError, desk.Refused):
            return None  # the request was closed meanwhile
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return None

    async def after_turn(self, owner: Optional[Dict[str, Any]], sender: str, replies: List[Reply], at: float) -> List[Reply]:
        """Hand over when the bot recorded a request; while one is open, keep the bot's answers
        in the thread and say when staff will answer."""
        handoff_id = next((r.custom.get("handoff_id") for r in replies
                           if r.custom.get("outcome") == HANDOFF and r.custom.get("handoff_id")), None)
        if not handoff_id and (owner is None or owner["owner"] == desk.BOT):
            return replies
        channel, _ = split_sender(sender)
        later = self._later()
        try:
            if handoff_id:
                open_id = await self._db(desk.claim, sender, channel, int(handoff_id), at)
                self._track(sender)
                owner = {"conversation_id": sender, "channel": channel, "handoff_id": open_id}
                await self._db(desk.mark_told, sender, "later" if later else "held")
                notice = texts.handoff_later(later) if later else texts.handoff_now()
                if open_id != int(handoff_id):
                    notice = texts.merged(open_id) + " " + notice
                replies = replies + [Reply(text=notice)]
            elif later and await self._db(desk.mark_told, sender, "later"):
                replies = _before_buttons(replies, Reply(text=texts.handoff_later(later)))
            await self._db(desk.note_bot, sender, channel, owner["handoff_id"], joined_text(replies), time.time())
        except UNAVAILABLE as exc:
            self._unavailable(exc)
        return replies

    async def note_sent(self, sender: str, count: int) -> None:
        """Messages sent to a Zalo citizen whose conversation had a request (the shared count of
        the reply window, for staff replies from any worker)."""
        if sender not in self._tracked:
            return
        try:
            await self._db(desk.note_sent, sender, count)
        except UNAVAILABLE as exc:
            self._unavailable(exc)

    # -- staff messages ----------------------------------------------------------------------
    async def _verdict(self, sender: str, human: bool, citizen_at: Optional[float] = None) -> Tuple[delivery.Verdict, float, int]:
        """May a message go to this conversation now? Also the citizen's last message and the
        messages sent since, as far as the shared database and this worker know (`citizen_at`:
        when the database has no row for the conversation, the time of the request or rating)."""
        channel, user = split_sender(sender)
        owner = await self._db(desk.owner_of, sender) or {}
        last, sent = owner.get("last_citizen_at") or citizen_at or 0.0, owner.get("replies_since") or 0
        local = self.gateway.channels["zalo"].window.state(user) if channel == "zalo" and "zalo" in self.gateway.channels else None
        if local and local[0] >= last:  # this worker saw a later message, or counted more replies
            sent = local[1] if local[0] > last else max(sent, local[1])
            last = local[0]
        if channel in ("zalo", "facebook") and channel not in self.gateway.channels:
            return delivery.refused("channel_off", f"kênh {channel} chưa bật trên máy chủ này"), last, sent
        verdict = delivery.check(channel, last or None, sent, time.time(), human=human,
                                 human_agent_enabled=self.settings.messenger_human_agent)
        return verdict, last, sent

    async def _send(self, sender: str, text: str, verdict: delivery.Verdict, last: float, sent: int) -> None:
        """Hand an allowed message to the channel (the website's waits in the database)."""
        channel, user = split_sender(sender)
        if channel == "web":
            await self.push_web(user)
            return
        if channel == "zalo":
            messages = zalo_render.render([Reply(text=text)])[0]
            self.gateway.channels["zalo"].window.adopt(user, last, sent)  # the window as the database knows it
            await self._db(desk.note_sent, sender, len(messages))
        else:
            messages = messenger_render.render([Reply(text=text)])
            for message in messages:
                if verdict.tag:
                    message[TAG_KEY] = verdict.tag
        outbox = self.gateway.outbox
        outbox.enqueue(channel, user, messages)
        self.gateway.work.spawn(f"{channel}:{user}", lambda: outbox.flush(channel, user), label="staff message")

    async def reply(self, handoff_id: int, staff: str, text: str) -> Dict[str, Any]:
        """A staff reply to a request. Raises KeyError (no such request) or desk.Refused (the
        request is closed, or the channel's rules forbid it now: recorded with the reason)."""
        handoff = await self._db(desk.get_handoff, handoff_id)
        if handoff is None:
            raise KeyError(handoff_id)
        desk.check_reply(handoff)
        # the request came from a citizen's message (the gateway may not have seen its turn end yet)
        return await self._staff_message(handoff["conversation_id"], staff, text, f"handoff:{handoff_id}",
                                         citizen_at=desk.epoch(handoff["created_at"]), handoff_id=handoff_id)

    async def _staff_message(self, sender: str, staff: str, text: str, target: str, citizen_at: Optional[float] = None,
                             **about: Any) -> Dict[str, Any]:
        channel, _ = split_sender(sender)
        verdict, last, sent = await self._verdict(sender, human=True, citizen_at=citizen_at)
        state = (desk.KEPT if channel == "web" else desk.OUTBOX) if verdict.ok else desk.REFUSED
        message_id = await self._db(desk.add_staff_message, sender, channel or "unknown", staff, text, time.time(), state,
                                    None if verdict.ok else verdict.reason, **about)
        await self._db(accounts.audit, staff, "reply" if verdict.ok else "reply_refused", target,
                       f"message {message_id}" + ("" if verdict.ok else f": {verdict.code}"))
        if not verdict.ok:
            raise desk.Refused(verdict.reason)
        await self._send(sender, text, verdict, last, sent)
        return {"message_id": message_id, "delivery": state}

    async def give_back(self, handoff_id: int, staff: str, close: bool) -> Dict[str, Any]:
        """Release (back to the bot) or close a request; the citizen is told they talk to the
        bot again when their channel allows a bot message now."""
        handoff = await self._db(desk.give_back, handoff_id, staff, time.time(), close)
        sender = handoff["conversation_id"]
        notice = texts.closed_by_staff(handoff_id) if close else texts.BACK_TO_BOT
        verdict, last, sent = await self._verdict(sender, human=False)
        channel, _ = split_sender(sender)
        if verdict.ok:
            state = desk.KEPT if channel == "web" else desk.OUTBOX
            await self._db(desk.note_bot, sender, channel, handoff_id, notice, time.time(), state)
            await self._send(sender, notice, verdict, last, sent)
        told = "the citizen was told" if verdict.ok else f"the citizen was not told ({verdict.code})"
        await self._db(accounts.audit, staff, "close" if close else "release", f"handoff:{handoff_id}", told)
        return {"status": desk.CLOSED if close else desk.RELEASED, "citizen_told": verdict.ok,
                "reason": None if verdict.ok else verdict.reason}

    async def feedback_reply(self, feedback_id: int, staff: str, text: str) -> Dict[str, Any]:
        """A reply to a 👎 or a comment (the bot keeps the conversation); it marks it handled."""
        item = await self._db(desk.get_feedback, feedback_id)
        if item is None:
            raise KeyError(feedback_id)
        if item["conversation_id"] == "purged":
            raise desk.Refused("góp ý này đã bị xóa thông tin người gửi theo thời hạn lưu trữ: không gửi được")
        result = await self._staff_message(item["conversation_id"], staff, text, f"feedback:{feedback_id}",
                                           citizen_at=desk.epoch(item["created_at"]), feedback_id=feedback_id)
        await self._db(desk.mark_feedback_handled, feedback_id, staff, time.time())
        return result

    async def feedback_handled(self, feedback_id: int, staff: str) -> bool:
        if await self._db(desk.get_feedback, feedback_id) is None:
            raise KeyError(feedback_id)
        done = await self._db(desk.mark_feedback_handled, feedback_id, staff, time.time())
        if done:
            await self._db(accounts.audit, staff, "feedback_handled", f"feedback:{feedback_id}")
        return done

    # -- the website: widgets connected to this worker ----------------------------------------
    def attach(self, sio: Any) -> None:
        self.sio = sio

    async def widget_connected(self, sid: str, session_id: str) -> None:
        self._widgets[sid] = session_id
        try:
            await self.push_web(session_id)
        except UNAVAILABLE as exc:
            self._unavailable(exc)

    def widget_gone(self, sid: str) -> None:
        self._widgets.pop(sid, None)

    async def push_web(self, session_id: str) -> int:
        """Show kept staff messages to this session's widget if it is connected here."""
        if self.sio is None or session_id not in self._widgets.values():
            return 0
        return await self._emit(await self._db(desk.kept_for, [f"web:{session_id}"]))

    async def _emit(self, kept: List[Dict[str, Any]]) -> int:
        shown = 0
        for message in kept:
            if await self._db(desk.take_kept, message["id"]):
                session_id = split_sender(message["conversation_id"])[1]
                await self.sio.emit("bot_uttered", {"text": markdown_lines(message["text"])}, room=session_id)
                shown += 1
        return shown

    async def run(self) -> None:
        """Until cancelled: show kept messages to the widgets connected here (a reply written on
        another worker, or while the widget was away)."""
        while True:
            await asyncio.sleep(self.settings.staff_poll_s)
            sessions = sorted(set(self._widgets.values()))
            if not sessions or self.sio is None or time.monotonic() < self._down_until:
                continue
            try:
                for start in range(0, len(sessions), 500):
                    await self._emit(await self._db(desk.kept_for, [f"web:{s}" for s in sessions[start:start + 500]]))
            except UNAVAILABLE as exc:
                self._unavailable(exc)
            except Exception as exc:  # keep the loop alive
                log.error("staff desk: showing kept messages failed: %s", type(exc).__name__)
