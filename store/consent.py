"""Consent to campaign messages (Luật 91/2025, Nghị định 356/2025: the controller must be able to
prove who consented, when, to what; a withdrawal is honoured at once) and what the channels'
rules need to know about the citizens who gave it.

- `consent_records`: one row per opt-in (the topics it covered, the exact wording shown, how it
  was given, when), closed by its withdrawal (when and how: the keyword, Zalo's unfollow, an
  erasure). Kept: an erasure or, CONSENT_PROOF_DAYS after a withdrawal, the retention purge only
  removes who it was about (`subject`), leaving an anonymous proof.
- `campaign_contacts`: per citizen, their last message (Zalo's 48 h and Messenger's 24 h windows
  count from it, whichever gateway worker received it) and whether the opt-in was offered.

A citizen is named by the Rasa sender id of their conversation (zalo:123, fb:456, web:abc).
Times are epoch seconds."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Set

import sqlalchemy as sa

from store.db import campaign_contacts as contacts
from store.db import campaign_deliveries, consent_records as records
from store.db import desk_messages

KEYWORD, BUTTON = "keyword", "button"  # how consent was given
UNFOLLOW, ERASURE = "unfollow", "erasure"  # how it was withdrawn (or KEYWORD)


def topics_of(row: Any) -> List[str]:
    return [t for t in (row["topics"] or "").split(",") if t]


def _active(subject: str):
    return (records.c.subject == subject) & records.c.withdrawn_at.is_(None)


def active_topics(engine: sa.engine.Engine, subject: str) -> Set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(records.c.topics).where(_active(subject))).mappings()
        return {topic for row in rows for topic in topics_of(row)}


def _touch(conn: sa.engine.Connection, subject: str, channel: str, at: float, **values: Any) -> None:
    """Create or update the citizen's contact row (their last message at `at`)."""
    row = conn.execute(sa.select(contacts.c.last_citizen_at).where(contacts.c.subject == subject)).first()
    if row is None:
        conn.execute(contacts.insert().values(subject=subject, channel=channel, last_citizen_at=at, **values))
    else:
        conn.execute(contacts.update().where(contacts.c.subject == subject)
                     .values(last_citizen_at=max(row.last_citizen_at or 0.0, at), **values))


def give(engine: sa.engine.Engine, subject: str, channel: str, topics: Iterable[str], wording: str, method: str,
         at: float) -> Optional[int]:
    """Record consent to the `topics` the citizen has not consented to yet; the record's id, or
    None when they had consented to all of them already."""
    with engine.begin() as conn:
        held = {t for row in conn.execute(sa.select(records.c.topics).where(_active(subject))).mappings() for t in topics_of(row)}
        new = [t for t in topics if t not in held]
        _touch(conn, subject, channel, at)
        if not new:
            return None
        return int(conn.execute(records.insert().values(
            subject=subject, channel=channel, topics=",".join(new), wording=wording, method=method, given_at=at)).inserted_primary_key[0])


def withdraw(engine: sa.engine.Engine, subject: str, how: str, at: float) -> Set[str]:
    """Withdraw every consent of the citizen (all topics at once); the topics they had."""
    with engine.begin() as conn:
        rows = conn.execute(sa.select(records.c.topics).where(_active(subject))).mappings().all()
        conn.execute(records.update().where(_active(subject)).values(withdrawn_at=at, withdrawn_by=how))
    return {t for row in rows for t in topics_of(row)}


def seen(engine: sa.engine.Engine, subject: str, at: float) -> None:
    """The citizen wrote: their windows open again (only for citizens with a contact row; a
    read first, so other citizens' messages write nothing)."""
    with engine.connect() as conn:
        last = conn.execute(sa.select(contacts.c.last_citizen_at).where(contacts.c.subject == subject)).first()
    if last is not None and (last.last_citizen_at or 0.0) < at:
        with engine.begin() as conn:
            conn.execute(contacts.update().where(contacts.c.subject == subject, sa.func.coalesce(contacts.c.last_citizen_at, 0) < at)
                         .values(last_citizen_at=at))


def offer(engine: sa.engine.Engine, subject: str, channel: str, wording: str, at: float) -> bool:
    """True when the opt-in may be offered now, and records it: at most once per conversation,
    never to a citizen who has (or had) a consent record."""
    with engine.begin() as conn:
        if conn.execute(sa.select(records.c.id).where(records.c.subject == subject).limit(1)).first() is not None:
            return False
        if conn.execute(sa.select(contacts.c.offered_at).where(contacts.c.subject == subject)).scalar() is not None:
            return False
        _touch(conn, subject, channel, at, offered_at=at, offered_wording=wording)
    return True


def offered_wording(engine: sa.engine.Engine, subject: str) -> Optional[str]:
    with engine.connect() as conn:
        return conn.execute(sa.select(contacts.c.offered_wording).where(contacts.c.subject == subject)).scalar()


def recipients(engine: sa.engine.Engine, topic: str) -> List[Dict[str, Any]]:
    """The citizens with an active consent to `topic`: subject, channel, last message."""
    query = (sa.select(records.c.subject, records.c.channel, records.c.topics, contacts.c.last_citizen_at)
             .select_from(records.outerjoin(contacts, contacts.c.subject == records.c.subject))
             .where(records.c.withdrawn_at.is_(None), records.c.subject.isnot(None)).order_by(records.c.id))
    found: Dict[str, Dict[str, Any]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query).mappings():
            if topic in topics_of(row) and row["subject"] not in found:
                found[row["subject"]] = {"subject": row["subject"], "channel": row["channel"], "last_citizen_at": row["last_citizen_at"]}
    return list(found.values())


def last_message(engine: sa.engine.Engine, subject: str) -> Optional[float]:
    with engine.connect() as conn:
        return conn.execute(sa.select(contacts.c.last_citizen_at).where(contacts.c.subject == subject)).scalar()


def list_records(engine: sa.engine.Engine, subject: Optional[str] = None) -> List[Dict[str, Any]]:
    query = sa.select(records).order_by(records.c.id)
    if subject is not None:
        query = query.where(records.c.subject == subject)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def erase(engine: sa.engine.Engine, subject: str, at: float) -> Dict[str, int]:
    """A data-subject request: withdraw and anonymise the citizen's consent records (the
    anonymous proof stays), delete their contact row and the web notices kept for them, and
    anonymise their deliveries (a campaign's counts stay). How many rows, by table."""
    with engine.begin() as conn:
        conn.execute(records.update().where(_active(subject)).values(withdrawn_at=at, withdrawn_by=ERASURE))
        done = {"consent_records": conn.execute(records.update().where(records.c.subject == subject)
                                                .values(subject=None, anonymised_at=at)).rowcount}
        done["campaign_contacts"] = conn.execute(contacts.delete().where(contacts.c.subject == subject)).rowcount
        notices = sa.select(campaign_deliveries.c.message_id).where(campaign_deliveries.c.subject == subject,
                                                                    campaign_deliveries.c.message_id.isnot(None))
        done["campaign_notices"] = conn.execute(desk_messages.delete().where(desk_messages.c.id.in_(notices))).rowcount
        done["campaign_deliveries"] = conn.execute(campaign_deliveries.update().where(campaign_deliveries.c.subject == subject)
                                                   .values(subject=None)).rowcount
    return done


def export(engine: sa.engine.Engine, subject: str) -> Dict[str, List[Dict[str, Any]]]:
    with engine.connect() as conn:
        return {table.name: [dict(r) for r in conn.execute(sa.select(table).where(table.c.subject == subject)).mappings()]
                for table in (records, contacts, campaign_deliveries)}


def purge(engine: sa.engine.Engine, retention_s: float, proof_s: float, now: float) -> Dict[str, int]:
    """Retention: withdrawn records lose their subject `proof_s` after the withdrawal; contact rows
    of citizens without an active consent and deliveries lose theirs after `retention_s`."""
    with engine.begin() as conn:
        done = {"consent_records_anonymised": conn.execute(records.update().where(
            records.c.subject.isnot(None), records.c.withdrawn_at < now - proof_s).values(subject=None, anonymised_at=now)).rowcount}
        subscribed = sa.select(records.c.subject).where(records.c.withdrawn_at.is_(None), records.c.subject.isnot(None))
        last = sa.func.coalesce(contacts.c.last_citizen_at, contacts.c.offered_at, 0)
        done["campaign_contacts_deleted"] = conn.execute(contacts.delete().where(
            last < now - retention_s, contacts.c.subject.notin_(subscribed))).rowcount
        done["campaign_deliveries_anonymised"] = conn.execute(campaign_deliveries.update().where(
            campaign_deliveries.c.subject.isnot(None), campaign_deliveries.c.at < now - retention_s).values(subject=None)).rowcount
    return done
