"""Write and read feedback and handoff requests (text redacted before it is stored)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from store.db import feedback, get_engine, handoffs
from store.redact import redact


def add_feedback(conversation_id: str, channel: str, rating: Optional[str] = None, comment: Optional[str] = None,
                 question: Optional[str] = None, answer_id: Optional[str] = None, topic: Optional[str] = None,
                 engine: Optional[sa.engine.Engine] = None) -> int:
    if rating not in (None, "up", "down"):
        raise ValueError(f"rating must be 'up', 'down' or None, not {rating!r}")
    engine = engine or get_engine()
    with engine.begin() as conn:
        result = conn.execute(
            feedback.insert().values(
                conversation_id=conversation_id, channel=channel or "unknown", rating=rating,
                comment=redact(comment) if comment else None, question=redact(question) if question else None,
                answer_id=answer_id, topic=topic,
            )
        )
        return int(result.inserted_primary_key[0])


def attach_comment(feedback_id: int, comment: str, engine: Optional[sa.engine.Engine] = None) -> None:
    engine = engine or get_engine()
    with engine.begin() as conn:
        conn.execute(feedback.update().where(feedback.c.id == feedback_id).values(comment=redact(comment)))


def add_handoff(conversation_id: str, channel: str, reason: str, transcript: List[Dict[str, str]],
                engine: Optional[sa.engine.Engine] = None) -> int:
    engine = engine or get_engine()
    clean = [{"from": m.get("from", ""), "text": redact(m.get("text", ""))} for m in transcript]
    with engine.begin() as conn:
        result = conn.execute(
            handoffs.insert().values(conversation_id=conversation_id, channel=channel or "unknown", reason=redact(reason or ""), transcript=clean)
        )
        return int(result.inserted_primary_key[0])


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
