"""Personal data in the database (Rasa's `events`, our `feedback` and `handoffs`, the staff
desk's thread and ownership): retention, and export or erasure for one citizen.

Retention (`purge`, DATA_RETENTION_DAYS): older than the limit,
- conversation events (Rasa's tracker store, `events`) are deleted;
- feedback rows are kept for the staff report's counts (rating, topic, answer id, day), but their
  question is removed, a comment is replaced by `REMOVED_COMMENT` (still counted as a comment)
  and the sender id by `PURGED`;
- handoff requests are kept (id, day, channel, status, the staff handling times: the report
  counts them) without reason, transcript, call-back contact or sender id;
- the staff desk's thread (`desk_messages`) and conversation ownership rows are deleted;
  expired console sessions too. The staff audit holds no citizen data and is kept;
- campaigns (store/consent.py): deliveries lose who they went to (a campaign's counts stay);
  the contact rows of citizens without an active consent are deleted; a withdrawn consent
  record keeps who it was about CONSENT_PROOF_DAYS after the withdrawal (proof that the refusal
  was honoured), then only an anonymous record stays. Active consent records are kept as long as
  the consent lasts (they are what allows the messages).
The report's ratings, comments and handoff counts are therefore unchanged by a purge, for any
period. Its turn counts come from `events`: they cover the retention period only (the default
report period, REPORT_DAYS=30, is within the default limit, 90 days).

A citizen is named by the Rasa sender id of their conversation (`web:abc`, `zalo:123`, `fb:456`:
`sender_of`); every row of these tables about them carries it (events.sender_id,
feedback/handoffs.conversation_id)."""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from store import consent
from store.db import conversation_owner, desk_messages, feedback, handoffs, staff_sessions
from store.outcomes import WARM_UP_SENDER

PURGED = "purged"
REMOVED_COMMENT = "[đã xóa khi hết thời hạn lưu trữ]"
EVENTS = sa.table(
    "events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"), sa.column("timestamp"),
    sa.column("intent_name"), sa.column("action_name"), sa.column("data"),
)
# the channel as an operator names it -> the prefix of the Rasa sender id (server/gateway.py)
SENDER_PREFIX = {"web": "web", "socketio": "web", "zalo": "zalo", "facebook": "fb", "fb": "fb", "messenger": "fb"}
PLATFORM = {"web": "web", "zalo": "zalo", "fb": "facebook"}  # sender prefix -> the gateway's channel name
_USER = re.compile(r"([A-Za-z]+):(.+)")


class BadUser(ValueError):
    """Not a CHANNEL:ID this deployment can have."""


def sender_of(user: str) -> Tuple[str, str, str]:
    """"facebook:456" -> ("facebook", "456", "fb:456"): the gateway's channel, the platform's
    user id, the Rasa sender id."""
    match = _USER.fullmatch(user or "")
    if not match:
        raise BadUser(f"expected CHANNEL:ID (e.g. web:abc, zalo:123, facebook:456), not {user!r}")
    channel, ident = match.group(1).lower(), match.group(2)
    if channel not in SENDER_PREFIX:
        raise BadUser(f"unknown channel {channel!r}: one of {', '.join(sorted(SENDER_PREFIX))}")
    if len(ident) > 128 or not ident.isprintable() or ident != ident.strip():
        raise BadUser("the ID must be printable, at most 128 characters, without surrounding spaces")
    prefix = SENDER_PREFIX[channel]
    return PLATFORM[prefix], ident, f"{prefix}:{ident}"


def _has_table(conn: sa.engine.Connection, name: str) -> bool:
    return sa.inspect(conn).has_table(name)


def _db_time(engine: sa.engine.Engine, moment: dt.datetime) -> dt.datetime:
    utc = moment.astimezone(dt.timezone.utc)
    return utc.replace(tzinfo=None) if engine.dialect.name == "sqlite" else utc


def cutoff(days: int, now: Optional[dt.datetime] = None) -> dt.datetime:
    if days < 1:
        raise ValueError("the retention limit is at least one day")
    return (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)


def purge(engine: sa.engine.Engine, days: int, now: Optional[dt.datetime] = None, proof_days: int = 365) -> Dict[str, int]:
    """Apply the retention limit (see the module's docstring); returns what was done, by kind."""
    limit = cutoff(days, now)
    before = _db_time(engine, limit)
    done = {"events_deleted": 0, "feedback_anonymised": 0, "handoffs_anonymised": 0, "desk_messages_deleted": 0}
    with engine.begin() as conn:
        if _has_table(conn, "events"):
            done["events_deleted"] = conn.execute(EVENTS.delete().where(EVENTS.c.timestamp < limit.timestamp())).rowcount
        if _has_table(conn, feedback.name):
            old = (feedback.c.created_at < before) & (feedback.c.conversation_id != PURGED)
            conn.execute(feedback.delete().where(old & feedback.c.conversation_id.startswith(WARM_UP_SENDER, autoescape=True)))
            conn.execute(feedback.update().where(old & feedback.c.comment.isnot(None)).values(comment=REMOVED_COMMENT))
            done["feedback_anonymised"] = conn.execute(
                feedback.update().where(old).values(question=None, conversation_id=PURGED)).rowcount
        if _has_table(conn, handoffs.name):
            old = (handoffs.c.created_at < before) & (handoffs.c.conversation_id != PURGED)
            done["handoffs_anonymised"] = conn.execute(
                handoffs.update().where(old).values(reason="", transcript=[], contact=None, conversation_id=PURGED)).rowcount
        if _has_table(conn, desk_messages.name):
            done["desk_messages_deleted"] = conn.execute(desk_messages.delete().where(desk_messages.c.at < limit.timestamp())).rowcount
            conn.execute(conversation_owner.delete().where(conversation_owner.c.since < limit.timestamp()))
            conn.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < limit.timestamp()))
    if sa.inspect(engine).has_table("consent_records"):
        done.update(consent.purge(engine, days * 86400.0, proof_days * 86400.0, (now or dt.datetime.now(dt.timezone.utc)).timestamp()))
    return done


def _row(row: Any) -> Dict[str, Any]:
    out = {}
    for key, value in dict(row._mapping).items():
        out[key] = value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value
    return out


def export(engine: sa.engine.Engine, sender: str) -> Dict[str, List[Dict[str, Any]]]:
    """Everything these tables hold about the conversation `sender` (JSON-ready)."""
    found: Dict[str, List[Dict[str, Any]]] = {"conversation_events": [], "feedback": [], "handoffs": [],
                                              "desk_messages": [], "conversation_owner": []}
    with engine.connect() as conn:
        if _has_table(conn, "events"):
            query = sa.select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data).where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)
            for type_name, timestamp, data in conn.execute(query):
                try:
                    parsed = json.loads(data) if data else None
                except ValueError:
                    parsed = data
                moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat() if timestamp else None
                found["conversation_events"].append({"type": type_name, "at": moment, "data": parsed})
        for table in (feedback, handoffs, desk_messages, conversation_owner):
            if _has_table(conn, table.name):
                rows = conn.execute(sa.select(table).where(table.c.conversation_id == sender).order_by(*table.primary_key.columns))
                found[table.name] = [_row(r) for r in rows]
        campaigns = _has_table(conn, "consent_records")
    if campaigns:  # consent records, the contact row, campaign deliveries
        found.update(consent.export(engine, sender))
    return found


def erase(engine: sa.engine.Engine, sender: str) -> Dict[str, int]:
    """Delete every row about the conversation `sender`; returns how many, by table."""
    deleted = {"events": 0, "feedback": 0, "handoffs": 0, "desk_messages": 0, "conversation_owner": 0}
    with engine.begin() as conn:
        if _has_table(conn, "events"):
            deleted["events"] = conn.execute(EVENTS.delete().where(EVENTS.c.sender_id == sender)).rowcount
        for table in (feedback, handoffs, desk_messages, conversation_owner):
            if _has_table(conn, table.name):
                deleted[table.name] = conn.execute(table.delete().where(table.c.conversation_id == sender)).rowcount
        campaigns = _has_table(conn, "consent_records")
    if campaigns:  # consent records stay as anonymous proofs of the withdrawal
        done = consent.erase(engine, sender, dt.datetime.now(dt.timezone.utc).timestamp())
        deleted["consent_records_anonymised"] = done.pop("consent_records")
        deleted.update(done)
    return deleted
