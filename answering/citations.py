"""How an answer cites its sources: a short line under the answer plus structured data that
channels render (the `dvc` custom payload)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Iterable, List

CAVEAT = "⚠️ Thông tin này chưa thống nhất giữa các nguồn, cần kiểm tra lại tại cơ quan giải quyết."


def format_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def source_dicts(sources: Iterable[Any], checked: dt.date) -> List[Dict[str, str]]:
    return [{"title": s.title, "url": s.url, "checked": checked.isoformat()} for s in sources]


def citation_line(sources: List[Dict[str, str]]) -> str:
    if not sources:
        return ""
    first = sources[0]
    checked = format_date(dt.date.fromisoformat(first["checked"]))
    return f"Nguồn: {first['title']} ({first['url']}), kiểm tra ngày {checked}."


def payload(sources: List[Dict[str, str]], **extra: Any) -> Dict[str, Any]:
    """The custom JSON attached to a cited answer; the gateway merges it into the reply.
    `extra` carries the outcome marker (store.outcomes.marker) and answer details."""
    return {"dvc": {"sources": sources, **extra}}


def outcome_payload(outcome: str, **fields: Any) -> Dict[str, Any]:
    """The custom JSON of a message that cites nothing but marks the turn's outcome."""
    from store.outcomes import marker

    return {"dvc": marker(outcome, **fields)}
