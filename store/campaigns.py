"""Campaigns and their deliveries in the database (server/campaigns.py sends them).

A campaign: scheduled → (due, within the sending hours, claimed by one gateway worker, which
lists its recipients in the same transaction) sending → (every delivery settled) done; a
scheduled one can be cancelled.

A delivery, one per campaign and citizen (a unique index: nobody gets a campaign twice):
queued → outbox (handed to Zalo/Messenger's outbox) → sent | failed; or → waiting (web: kept
until the widget opens); or → blocked, with the rule's code and reason. Times are epoch seconds."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from store.consent import topics_of
from store.db import campaign_contacts as contacts
from store.db import campaign_deliveries as deliveries
from store.db import campaigns, consent_records, desk_messages

SCHEDULED, SENDING, DONE, CANCELLED = "scheduled", "sending", "done", "cancelled"
QUEUED, OUTBOX, SENT, WAITING, BLOCKED, FAILED = "queued", "outbox", "sent", "waiting", "blocked", "failed"
HANDED_OVER = (OUTBOX, SENT, WAITING)  # count against the daily cap
PENDING = (QUEUED, OUTBOX)


def create(engine: sa.engine.Engine, topic: str, text: str, due_at: float, by: str, at: float) -> int:
    with engine.begin() as conn:
        return int(conn.execute(campaigns.insert().values(created_at=at, created_by=by[:64], topic=topic, text=text,
                                                          due_at=due_at, status=SCHEDULED)).inserted_primary_key[0])


def get(engine: sa.engine.Engine, campaign_id: int) -> Optional[Dict[str, Any]]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id)).mappings().first()
    return dict(row) if row else None


def latest(engine: sa.engine.Engine, limit: int = 100) -> List[Dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(campaigns).order_by(campaigns.c.id.desc()).limit(limit)).mappings()]


def cancel(engine: sa.engine.Engine, campaign_id: int, at: float) -> bool:
    """Only a campaign not started yet can be cancelled."""
    with engine.begin() as conn:
        return bool(conn.execute(campaigns.update().where(campaigns.c.id == campaign_id, campaigns.c.status == SCHEDULED)
                                 .values(status=CANCELLED, finished_at=at)).rowcount)


def due(engine: sa.engine.Engine, now: float) -> List[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(campaigns.c.id).where(campaigns.c.status == SCHEDULED, campaigns.c.due_at <= now)
                                 .order_by(campaigns.c.due_at, campaigns.c.id)).scalars())


def sending(engine: sa.engine.Engine, worker: str) -> List[Dict[str, Any]]:
    """The campaigns this worker is sending (after a restart it carries on with them)."""
    with engine.connect() as conn:
        query = sa.select(campaigns).where(campaigns.c.status == SENDING, campaigns.c.worker == worker).order_by(campaigns.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def claim(engine: sa.engine.Engine, campaign_id: int, worker: str, now: float) -> int:
    """Start sending a due campaign (one worker wins) and list its recipients: every citizen
    with an active consent to its topic, at this moment. How many; 0 when another worker won."""
    with engine.begin() as conn:
        won = conn.execute(campaigns.update().where(campaigns.c.id == campaign_id, campaigns.c.status == SCHEDULED)
                           .values(status=SENDING, worker=worker, started_at=now)).rowcount
        if not won:
            return 0
        topic = conn.execute(sa.select(campaigns.c.topic).where(campaigns.c.id == campaign_id)).scalar_one()
        who: Dict[str, str] = {}
        rows = conn.execute(sa.select(consent_records.c.subject, consent_records.c.channel, consent_records.c.topics)
                            .where(consent_records.c.withdrawn_at.is_(None), consent_records.c.subject.isnot(None))
                            .order_by(consent_records.c.id)).mappings()
        for row in rows:
            if topic in topics_of(row):
                who.setdefault(row["subject"], row["channel"])
        if who:
            conn.execute(deliveries.insert(), [{"campaign_id": campaign_id, "subject": s, "channel": c, "status": QUEUED}
                                               for s, c in who.items()])
    return len(who)


def queued(engine: sa.engine.Engine, campaign_id: int, limit: int) -> List[Dict[str, Any]]:
    """The next deliveries to decide, with the citizen's last message."""
    query = (sa.select(deliveries.c.id, deliveries.c.subject, deliveries.c.channel, contacts.c.last_citizen_at)
             .select_from(deliveries.outerjoin(contacts, contacts.c.subject == deliveries.c.subject))
             .where(deliveries.c.campaign_id == campaign_id, deliveries.c.status == QUEUED).order_by(deliveries.c.id).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def settle(engine: sa.engine.Engine, delivery_id: int, status: str, **values: Any) -> None:
    """A delivery's new state (`values`: at, route, code, reason, message_id)."""
    with engine.begin() as conn:
        conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(status=status, **values))


def handed_over_since(engine: sa.engine.Engine, subject: str, since: float) -> int:
    """Campaign messages this citizen was sent since `since` (the daily cap)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(deliveries).where(
            deliveries.c.subject == subject, deliveries.c.status.in_(HANDED_OVER), deliveries.c.at >= since)).scalar_one()


def handed_over_counts(engine: sa.engine.Engine, since: float) -> Dict[str, int]:
    """Campaign messages sent since `since`, per citizen (the daily cap, for a preview)."""
    query = (sa.select(deliveries.c.subject, sa.func.count()).where(deliveries.c.status.in_(HANDED_OVER), deliveries.c.at >= since,
                                                                   deliveries.c.subject.isnot(None)).group_by(deliveries.c.subject))
    with engine.connect() as conn:
        return {subject: n for subject, n in conn.execute(query)}


def keep_notice(engine: sa.engine.Engine, subject: str, text: str, at: float) -> int:
    """A web notice, kept for the citizen's widget (the staff desk shows kept messages when the
    widget connects: server/desk.py)."""
    with engine.begin() as conn:
        return int(conn.execute(desk_messages.insert().values(at=at, conversation_id=subject, channel="web", author="bot",
                                                              text=text, delivery="waiting")).inserted_primary_key[0])


def finish_if_done(engine: sa.engine.Engine, campaign_id: int, now: float) -> bool:
    with engine.begin() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(deliveries).where(
            deliveries.c.campaign_id == campaign_id, deliveries.c.status.in_(PENDING))).scalar_one()
        if left:
            return False
        return bool(conn.execute(campaigns.update().where(campaigns.c.id == campaign_id, campaigns.c.status == SENDING)
                                 .values(status=DONE, finished_at=now)).rowcount)


def report(engine: sa.engine.Engine, campaign_id: int) -> Dict[str, Any]:
    """Counts per channel: recipients, sent (web: kept for the widget, `shown` of them shown),
    pending, failed, blocked by code (with one reason each)."""
    query = (sa.select(deliveries.c.channel, deliveries.c.status, deliveries.c.code, sa.func.min(deliveries.c.reason).label("reason"),
                       sa.func.count().label("n"), sa.func.count(desk_messages.c.id).label("shown"))
             .select_from(deliveries.outerjoin(desk_messages, (desk_messages.c.id == deliveries.c.message_id)
                                               & (desk_messages.c.delivery == "delivered")))
             .where(deliveries.c.campaign_id == campaign_id)
             .group_by(deliveries.c.channel, deliveries.c.status, deliveries.c.code))
    channels: Dict[str, Dict[str, Any]] = {}
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    for row in rows:
        line = channels.setdefault(row["channel"], {"recipients": 0, "sent": 0, "shown": 0, "pending": 0, "failed": 0,
                                                    "blocked": 0, "blocked_by": {}, "failed_by": {}})
        line["recipients"] += row["n"]
        if row["status"] in (SENT, WAITING):
            line["sent"] += row["n"]
            line["shown"] += row["shown"] if row["status"] == WAITING else 0
        elif row["status"] in PENDING:
            line["pending"] += row["n"]
        else:
            kind = "blocked" if row["status"] == BLOCKED else "failed"
            line[kind] += row["n"]
            line[f"{kind}_by"][row["code"] or "?"] = {"count": row["n"], "reason": row["reason"] or ""}
    for channel, line in channels.items():
        if channel != "web":
            del line["shown"]
    totals = {key: sum(line[key] for line in channels.values()) for key in ("recipients", "sent", "pending", "blocked", "failed")}
    return {**totals, "channels": channels}
