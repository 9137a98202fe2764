"""The staff desk in the database: who owns a conversation, the thread staff read and answer, and
the state of each request. Every gateway worker reads and writes the same rows (DATABASE_URL), so
ownership survives restarts and holds across workers.

A conversation (`conversation_owner.owner`, keyed by the Rasa sender id), as Chatwoot's
pending/open:

    bot ──the bot hands over (a handoff request)──▶ waiting ──a staff reply──▶ staff
    waiting | staff ──release──▶ bot          waiting | staff ──close──▶ bot

A request (`handoffs.status`): open → released (back to the bot) or closed; a staff reply
re-opens a released one. A second request while one is open is `merged` into it.

The thread (`desk_messages`) holds what was said after the handoff: the citizen's messages
(masked at the gateway's edge), the bot's and the gateway's replies, and staff replies with how
they were delivered. Times are epoch seconds."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from common.redact import redact
from store.db import conversation_owner as owners
from store.db import desk_messages as messages
from store.db import feedback, handoffs

BOT, WAITING, STAFF = "bot", "waiting", "staff"
OPEN, RELEASED, CLOSED, MERGED = "open", "released", "closed", "merged"
STATUSES = (OPEN, RELEASED, CLOSED, MERGED)
CITIZEN = "citizen"
# delivery of a message staff (or the gateway) sent
OUTBOX, DELIVERED, KEPT, REFUSED = "outbox", "delivered", "waiting", "refused"


class Refused(Exception):
    """A staff action that the request's state does not allow (the API's 409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def epoch(value: Any) -> Optional[float]:
    """A handoff's `created_at` (aware, or naive UTC from SQLite) as epoch seconds."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()
    return value


# -- ownership -----------------------------------------------------------------------------
def owner_of(engine: sa.engine.Engine, conversation_id: str) -> Optional[Dict[str, Any]]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(owners).where(owners.c.conversation_id == conversation_id)).first()
    return dict(row._mapping) if row else None


def _set_owner(conn: sa.engine.Connection, conversation_id: str, channel: str, **values: Any) -> None:
    updated = conn.execute(owners.update().where(owners.c.conversation_id == conversation_id).values(**values)).rowcount
    if not updated:
        conn.execute(owners.insert().values(conversation_id=conversation_id, channel=channel, **values))


def claim(engine: sa.engine.Engine, conversation_id: str, channel: str, handoff_id: int, at: float) -> int:
    """The bot handed over (request `handoff_id`): the conversation waits for staff. Returns the
    open request of the conversation (an older one, if it had one: the new one is merged)."""
    with engine.begin() as conn:
        current = conn.execute(sa.select(owners.c.owner, owners.c.handoff_id).where(owners.c.conversation_id == conversation_id)).first()
        if current and current.handoff_id == handoff_id:
            return handoff_id  # staff answered before the gateway got here
        if current and current.owner != BOT and current.handoff_id:
            status = conn.execute(sa.select(handoffs.c.status).where(handoffs.c.id == current.handoff_id)).scalar()
            if status == OPEN:
                conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(status=MERGED))
                return current.handoff_id
        _set_owner(conn, conversation_id, channel, owner=WAITING, handoff_id=handoff_id, since=at, waiting_since=at,
                   told=None, last_citizen_at=at, replies_since=0)
    return handoff_id


def note_citizen(engine: sa.engine.Engine, owner: Dict[str, Any], text: str, at: float,
                 contact: Optional[str] = None) -> None:
    """A citizen's message in a handed-over conversation: into the thread; their reply windows
    open again; `contact`, a call-back number or email given on purpose, kept on the request."""
    conv = owner["conversation_id"]
    with engine.begin() as conn:
        conn.execute(owners.update().where(owners.c.conversation_id == conv).values(
            last_citizen_at=max(owner.get("last_citizen_at") or 0.0, at), replies_since=0,
            waiting_since=sa.func.coalesce(owners.c.waiting_since, at)))
        conn.execute(messages.insert().values(at=at, conversation_id=conv, channel=owner["channel"],
                                              handoff_id=owner["handoff_id"], author=CITIZEN, text=redact(text)))
        if contact and owner["handoff_id"]:
            conn.execute(handoffs.update().where(handoffs.c.id == owner["handoff_id"]).values(contact=contact[:200]))


def note_seen(engine: sa.engine.Engine, conversation_id: str, at: float) -> None:
    """A citizen's message while the bot owns a conversation that had a request: only the
    reply windows (a later staff reply to that request is measured from it)."""
    with engine.begin() as conn:
        conn.execute(owners.update().where(owners.c.conversation_id == conversation_id,
                                         sa.func.coalesce(owners.c.last_citizen_at, 0) < at)
                     .values(last_citizen_at=at, replies_since=0))


def note_bot(engine: sa.engine.Engine, conversation_id: str, channel: str, handoff_id: Optional[int], text: str, at: float,
             delivery: str = OUTBOX, reason: Optional[str] = None) -> None:
    """What the bot or the gateway told the citizen while a request is open (for the thread)."""
    if text.strip():
        with engine.begin() as conn:
            conn.execute(messages.insert().values(at=at, conversation_id=conversation_id, channel=channel, handoff_id=handoff_id,
                                                  author=BOT, text=redact(text), delivery=delivery, reason=reason))


def note_sent(engine: sa.engine.Engine, conversation_id: str, count: int) -> None:
    """`count` more messages went to the citizen since their last message (Zalo's window)."""
    with engine.begin() as conn:
        conn.execute(owners.update().where(owners.c.conversation_id == conversation_id)
                     .values(replies_since=owners.c.replies_since + count))


def mark_told(engine: sa.engine.Engine, conversation_id: str, what: str) -> bool:
    """True when the citizen has not been told `what` yet ("held": a person will answer;
    "later": when, outside office hours): each is said once, until the other is."""
    with engine.begin() as conn:
        return bool(conn.execute(owners.update().where(
            owners.c.conversation_id == conversation_id, sa.func.coalesce(owners.c.told, "") != what).values(told=what)).rowcount)


# -- staff actions -------------------------------------------------------------------------
def get_handoff(engine: sa.engine.Engine, handoff_id: int) -> Optional[Dict[str, Any]]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
    return dict(row._mapping) if row else None


def check_reply(handoff: Dict[str, Any]) -> None:
    if handoff["status"] in (CLOSED, MERGED):
        raise Refused(f"yêu cầu YC-{handoff['id']} đã đóng (request closed): không gửi được")
    if handoff["conversation_id"] == "purged":
        raise Refused("cuộc trò chuyện đã bị xóa theo thời hạn lưu trữ (conversation purged)")


def add_staff_message(engine: sa.engine.Engine, conversation_id: str, channel: str, staff: str, text: str, at: float,
                      delivery: str, reason: Optional[str] = None, handoff_id: Optional[int] = None,
                      feedback_id: Optional[int] = None) -> int:
    """A message a person wrote (delivered, waiting for the widget, or refused with the reason).
    For a request: a delivered reply gives the conversation to staff and answers what waited."""
    with engine.begin() as conn:
        message_id = conn.execute(messages.insert().values(
            at=at, conversation_id=conversation_id, channel=channel, handoff_id=handoff_id, feedback_id=feedback_id,
            author=STAFF, staff=staff, text=text, delivery=delivery, reason=reason)).inserted_primary_key[0]
        if handoff_id and delivery != REFUSED:
            conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(
                status=OPEN, first_response_at=sa.func.coalesce(handoffs.c.first_response_at, at), handled_at=None, handled_by=None))
            _set_owner(conn, conversation_id, channel, owner=STAFF, handoff_id=handoff_id, since=at, waiting_since=None)
    return int(message_id)


def give_back(engine: sa.engine.Engine, handoff_id: int, staff: str, at: float, close: bool) -> Dict[str, Any]:
    """Release (the bot answers again) or close the request; returns the request as it was."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
        if row is None:
            raise KeyError(handoff_id)
        handoff = dict(row._mapping)
        if handoff["status"] in (CLOSED, MERGED) or (handoff["status"] == RELEASED and not close):
            raise Refused(f"yêu cầu YC-{handoff_id} đã {'đóng' if handoff['status'] != RELEASED else 'trả lại cho trợ lý ảo'}")
        conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(
            status=CLOSED if close else RELEASED, handled_at=at, handled_by=staff))
        conn.execute(owners.update().where(owners.c.conversation_id == handoff["conversation_id"], owners.c.handoff_id == handoff_id)
                     .values(owner=BOT, handoff_id=None, since=at, waiting_since=None, told=None))
    return handoff


# -- what staff read -----------------------------------------------------------------------
def thread(engine: sa.engine.Engine, handoff: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The conversation before the request (its transcript) and everything after it."""
    lines = [{"from": m.get("from", ""), "text": m.get("text", ""), "at": m.get("at"), "delivery": None, "reason": None,
              "staff": None} for m in handoff.get("transcript") or []]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(messages).where(messages.c.handoff_id == handoff["id"]).order_by(messages.c.id))
        lines += [{"from": r.author, "text": r.text, "at": r.at, "delivery": r.delivery, "reason": r.reason,
                   "staff": r.staff, "id": r.id} for r in rows]
    return lines


def requests(engine: sa.engine.Engine, status: Optional[str], now: float, limit: int = 500,
             only: Optional[int] = None) -> List[Dict[str, Any]]:
    """Requests (or the one numbered `only`) with their owner and waiting time (seconds since the
    oldest citizen message no staff has answered; 0 when staff spoke last), the longest wait first."""
    # open ones: the oldest first (they wait longest); the others: the latest first
    order = handoffs.c.id if status == OPEN else handoffs.c.id.desc()
    query = (sa.select(handoffs, owners.c.owner, owners.c.waiting_since, owners.c.last_citizen_at)
             .select_from(handoffs.outerjoin(owners, (owners.c.handoff_id == handoffs.c.id)))
             .order_by(order).limit(limit))
    if only is not None:
        query = query.where(handoffs.c.id == only)
    else:
        query = query.where(handoffs.c.status != MERGED)
    if status:
        query = query.where(handoffs.c.status == status)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        created = epoch(row["created_at"])
        row["created"] = created
        if row["status"] == OPEN and row["owner"] is None:  # stored while the gateway could not claim it
            row["owner"], row["waiting_since"] = WAITING, created
        row["waiting_s"] = max(0.0, now - row["waiting_since"]) if row["status"] == OPEN and row["waiting_since"] else 0.0
    rows.sort(key=lambda r: (-r["waiting_s"], r["id"]))
    return rows


def feedback_items(engine: sa.engine.Engine, handled: bool = False, limit: int = 200) -> List[Dict[str, Any]]:
    """👎 ratings and free comments, the oldest unhandled first (or the latest handled)."""
    wanted = (feedback.c.rating == "down") | (feedback.c.rating.is_(None) & feedback.c.comment.isnot(None))
    done = feedback.c.handled_at.isnot(None) if handled else feedback.c.handled_at.is_(None)
    order = feedback.c.handled_at.desc() if handled else feedback.c.id
    query = sa.select(feedback).where(wanted, done, feedback.c.conversation_id != "purged").order_by(order).limit(limit)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def get_feedback(engine: sa.engine.Engine, feedback_id: int) -> Optional[Dict[str, Any]]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(feedback).where(feedback.c.id == feedback_id)).first()
    if row is None:
        return None
    item = dict(row._mapping)
    with engine.connect() as conn:
        item["replies"] = [dict(r._mapping) for r in conn.execute(
            sa.select(messages).where(messages.c.feedback_id == feedback_id).order_by(messages.c.id))]
    return item


def mark_feedback_handled(engine: sa.engine.Engine, feedback_id: int, staff: str, at: float) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(feedback.update().where(feedback.c.id == feedback_id, feedback.c.handled_at.is_(None))
                                 .values(handled_at=at, handled_by=staff)).rowcount)


# -- the website: replies kept until the citizen's widget is connected -----------------------
def kept_for(engine: sa.engine.Engine, conversation_ids: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    query = sa.select(messages.c.id, messages.c.conversation_id, messages.c.text).where(
        messages.c.delivery == KEPT).order_by(messages.c.id)
    if conversation_ids is not None:
        if not conversation_ids:
            return []
        query = query.where(messages.c.conversation_id.in_(conversation_ids))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def take_kept(engine: sa.engine.Engine, message_id: int) -> bool:
    """Mark a kept message delivered; True for the one caller that did it (several workers)."""
    with engine.begin() as conn:
        return bool(conn.execute(messages.update().where(messages.c.id == message_id, messages.c.delivery == KEPT)
                                 .values(delivery=DELIVERED)).rowcount)
