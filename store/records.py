"""Write and read feedback and handoff requests (text redacted before it is stored).

Writes never lose a citizen's feedback: when the database is unavailable (down, locked, timing
out), the record goes to the local spool (store/spool.py) and is written, once, with its original
time, by the next write that reaches the database (or `dvc-bot db flush`). A spooled write returns
id 0 (no database id yet)."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Callable, Dict, List, Optional

import sqlalchemy as sa

from store.db import feedback, get_engine, handoffs
from common.redact import redact
from store.spool import Spool

log = logging.getLogger(__name__)

UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
TABLES = {"feedback": feedback, "handoffs": handoffs}


def default_spool() -> Spool:
    from common.settings import get_settings

    return Spool(get_settings().data_dir / "spool" / "store.jsonl")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _write_spooled(engine: sa.engine.Engine, records: List[Dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for record in records:
            op = record.pop("op")
            if op == "comment":
                conn.execute(feedback.update().where(feedback.c.id == record["feedback_id"]).values(comment=record["comment"]))
                continue
            table = TABLES[op]
            if conn.execute(sa.select(table.c.id).where(table.c.ref == record["ref"])).first():
                continue  # replayed before (crash between insert and truncation)
            record["created_at"] = dt.datetime.fromisoformat(record["created_at"])
            conn.execute(table.insert().values(**record))


def flush_spool(engine: Optional[sa.engine.Engine] = None, spool: Optional[Spool] = None) -> int:
    """Write spooled records to the database; returns how many."""
    spool = spool or default_spool()
    if not spool.pending():
        return 0
    engine = engine or get_engine()
    return spool.replay(lambda records: _write_spooled(engine, records))


def _write_or_spool(what: str, write: Callable[[sa.engine.Engine], Any], record: Dict[str, Any],
                    engine: Optional[sa.engine.Engine], spool: Optional[Spool]) -> Any:
    """`write(engine)` after replaying the spool; if the database is unavailable, `record` goes
    to the spool instead and None is returned."""
    spool = spool or default_spool()
    try:
        engine = engine or get_engine()
        flush_spool(engine, spool)
        return write(engine)
    except UNAVAILABLE as exc:
        log.warning("database unavailable (%s): %s kept in the local spool", type(exc).__name__, what)
        spool.append(record)
        return None


def _insert(op: str, values: Dict[str, Any], engine: Optional[sa.engine.Engine], spool: Optional[Spool]) -> int:
    values = {"ref": uuid.uuid4().hex, "created_at": _now(), **values}

    def write(engine: sa.engine.Engine) -> int:
        with engine.begin() as conn:
            return int(conn.execute(TABLES[op].insert().values(**values)).inserted_primary_key[0])

    return _write_or_spool(op, write, {"op": op, **values}, engine, spool) or 0


def add_feedback(conversation_id: str, channel: str, rating: Optional[str] = None, comment: Optional[str] = None,
                 question: Optional[str] = None, answer_id: Optional[str] = None, topic: Optional[str] = None,
                 engine: Optional[sa.engine.Engine] = None, spool: Optional[Spool] = None) -> int:
    if rating not in (None, "up", "down"):
        raise ValueError(f"rating must be 'up', 'down' or None, not {rating!r}")
    values = dict(
        conversation_id=conversation_id, channel=channel or "unknown", rating=rating,
        comment=redact(comment) if comment else None, question=redact(question) if question else None,
        answer_id=answer_id, topic=topic,
    )
    return _insert("feedback", values, engine, spool)


def attach_comment(feedback_id: int, comment: str, engine: Optional[sa.engine.Engine] = None,
                   spool: Optional[Spool] = None) -> None:
    comment = redact(comment)

    def write(engine: sa.engine.Engine) -> None:
        with engine.begin() as conn:
            conn.execute(feedback.update().where(feedback.c.id == feedback_id).values(comment=comment))

    _write_or_spool("comment", write, {"op": "comment", "feedback_id": feedback_id, "comment": comment}, engine, spool)


def add_handoff(conversation_id: str, channel: str, reason: str, transcript: List[Dict[str, str]],
                engine: Optional[sa.engine.Engine] = None, spool: Optional[Spool] = None) -> int:
    clean = [{"from": m.get("from", ""), "text": redact(m.get("text", "")), **({"at": m["at"]} if m.get("at") else {})}
             for m in transcript]
    values = dict(conversation_id=conversation_id, channel=channel or "unknown", reason=redact(reason or ""), transcript=clean)
    return _insert("handoffs", values, engine, spool)


def list_feedback(engine: Optional[sa.engine.Engine] = None) -> List[Dict[str, Any]]:
    engine = engine or get_engine()
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(feedback).order_by(feedback.c.id))]


def list_handoffs(status: Optional[str] = None, engine: Optional[sa.engine.Engine] = None) -> List[Dict[str, Any]]:
    engine = engine or get_engine()
    query = sa.select(handoffs).order_by(handoffs.c.id)
    if status:
        query = query.where(handoffs.c.status == status)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
