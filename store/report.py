"""The staff report: how well the bot serves, from the store and Rasa's tracker store.

Sources (read only):
- turns: Rasa's tracker store table `events` (SQLTrackerStore; the same database as the store
  unless told otherwise). A turn is a `user` event and the `bot`/`action` events up to the next
  one; its outcome comes from the `{"dvc": {"outcome": ...}}` markers the bot attached
  (store.outcomes), or, for turns recorded before the markers existed, from the response and
  action names;
- ratings and comments: table `feedback`; handoff requests: table `handoffs` (store.db);
- what staff did with them (store/desk.py): the share of requests and of 👎/comments handled,
  and the median time from a request to the first staff reply.

`build_report` returns a JSON-ready dict; `format_text` renders it for a terminal. Texts shown
(unanswered questions, handoff reasons) go through common.redact again; conversations appear
only as pseudonyms (common.logs.conversation_id, the same as in the logs).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import sqlalchemy as sa

from store import outcomes as oc
from common.redact import redact

# Vietnam has one time zone and no daylight saving: days are counted in UTC+7
TZ = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")
SENDER_CHANNELS = {"web": "web", "zalo": "zalo", "fb": "facebook"}
EVENT_TYPES = ("user", "bot", "action")
SHARE_OUTCOMES = (oc.ANSWERED, oc.FALLBACK, oc.HANDOFF)


# -- the period --------------------------------------------------------------------------
def period(since: Optional[dt.date] = None, days: Optional[int] = None, now: Optional[dt.datetime] = None) -> Tuple[dt.datetime, dt.datetime]:
    """(start, end) as aware datetimes: from `since` (a day, local time) or the last `days`
    days including today."""
    end = (now or dt.datetime.now(dt.timezone.utc)).astimezone(TZ)
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), TZ)
    else:
        start = dt.datetime.combine(end.date() - dt.timedelta(days=max(1, days or 30) - 1), dt.time(), TZ)
    return start, end


def _local_day(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        moment = dt.datetime.fromtimestamp(value, dt.timezone.utc)
    elif isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)  # SQLite: UTC, naive
    elif isinstance(value, str):
        return _local_day(dt.datetime.fromisoformat(value))
    else:
        return None
    return moment.astimezone(TZ).date().isoformat()


def _has_table(engine: sa.engine.Engine, name: str) -> bool:
    return sa.inspect(engine).has_table(name)


def _db_time(engine: sa.engine.Engine, moment: dt.datetime) -> dt.datetime:
    """A bound parameter comparable with the store's DateTime columns (SQLite keeps naive UTC)."""
    utc = moment.astimezone(dt.timezone.utc)
    return utc.replace(tzinfo=None) if engine.dialect.name == "sqlite" else utc


# -- turns from the tracker store --------------------------------------------------------
class Turn:
    __slots__ = ("sender", "channel", "text", "timestamp", "markers", "responses", "actions")

    def __init__(self, sender: str, channel: str, text: str, timestamp: float) -> None:
        self.sender, self.channel, self.text, self.timestamp = sender, channel, text, timestamp
        self.markers: List[Dict[str, Any]] = []
        self.responses: List[str] = []
        self.actions: List[str] = []

    def outcome(self) -> Dict[str, Any]:
        marked = oc.turn_outcome(self.markers)
        if marked["outcome"] != oc.UNKNOWN:
            return marked
        # recorded before the markers: the response and action names tell
        known = [oc.RESPONSE_OUTCOMES[r] for r in self.responses if r in oc.RESPONSE_OUTCOMES]
        known += [oc.ACTION_OUTCOMES[a] for a in self.actions if a in oc.ACTION_OUTCOMES]
        return oc.turn_outcome(oc.marker(name, reason=reason) for name, reason in known)


def _channel(sender: str, data: Dict[str, Any]) -> str:
    metadata = data.get("metadata") or {}
    if isinstance(metadata, dict) and metadata.get("channel"):
        return str(metadata["channel"])[:32]
    prefix = sender.split(":", 1)[0] if ":" in sender else ""
    return SENDER_CHANNELS.get(prefix) or "unknown"


def read_turns(engine: sa.engine.Engine, start: dt.datetime, end: dt.datetime) -> Iterator[Turn]:
    """Turns whose user message falls in [start, end], one conversation after the other
    (streamed: memory does not grow with the number of events)."""
    events = sa.table(
        "events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"), sa.column("timestamp"),
        sa.column("action_name"), sa.column("data"),
    )
    query = (
        sa.select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.action_name, events.c.data)
        .where(events.c.type_name.in_(EVENT_TYPES))
        .where(~events.c.sender_id.startswith(oc.WARM_UP_SENDER, autoescape=True))
        .where(events.c.timestamp >= start.timestamp(), events.c.timestamp <= end.timestamp())
        .order_by(events.c.sender_id, events.c.id)
    )
    current: Optional[Turn] = None
    with engine.connect() as conn:
        for sender, type_name, timestamp, action_name, raw in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
            if current is not None and current.sender != sender:
                yield current
                current = None
            if type_name == "action":
                if current is not None and action_name:
                    current.actions.append(action_name)
                continue
            try:
                data = json.loads(raw) if raw else {}
            except ValueError:
                continue
            if type_name == "user":
                if current is not None:
                    yield current
                current = Turn(sender, _channel(sender, data), data.get("text") or "", timestamp or 0.0)
            elif current is not None:  # a bot message
                custom = (data.get("data") or {}).get("custom")
                if isinstance(custom, dict) and isinstance(custom.get("dvc"), dict):
                    dvc = custom["dvc"]
                    if "outcome" not in dvc and dvc.get("sources"):  # a cited answer recorded before the markers
                        dvc = oc.marker(oc.ANSWERED, answer_id=dvc.get("procedure") or dvc.get("document"))
                    current.markers.append(dvc)
                utter = (data.get("metadata") or {}).get("utter_action")
                if utter:
                    current.responses.append(utter)
    if current is not None:
        yield current


def question_key(text: str) -> str:
    """Questions that differ only in case, punctuation, spacing or tone marks group together."""
    text = unicodedata.normalize("NFD", text.casefold()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", text))


def summarise_turns(turns: Iterable[Turn], top: int = 10) -> Dict[str, Any]:
    by_channel: Counter = Counter()
    by_outcome: Counter = Counter()
    by_channel_outcome: Dict[str, Counter] = defaultdict(Counter)
    per_day: Dict[str, Counter] = defaultdict(Counter)
    by_topic: Counter = Counter()
    unanswered: Dict[str, Dict[str, Any]] = {}
    conversations = set()
    total = 0
    for turn in turns:
        outcome = turn.outcome()
        name = outcome["outcome"]
        total += 1
        conversations.add(turn.sender)
        by_channel[turn.channel] += 1
        by_outcome[name] += 1
        by_channel_outcome[turn.channel][name] += 1
        per_day[_local_day(turn.timestamp)][name] += 1
        if name == oc.ANSWERED and outcome.get("topic"):
            by_topic[outcome["topic"]] += 1
        text = turn.text.strip()
        if name == oc.FALLBACK and text and not text.startswith("/"):  # not a button payload
            clean = redact(text)[:300]
            key = question_key(clean)
            entry = unanswered.setdefault(key, {"question": clean, "count": 0, "reasons": Counter(), "last": None, "forms": Counter()})
            entry["count"] += 1
            entry["forms"][clean] += 1
            entry["reasons"][outcome.get("reason") or "unknown"] += 1
            day = _local_day(turn.timestamp)
            entry["last"] = max(filter(None, (entry["last"], day)), default=None)
    top_unanswered = sorted(unanswered.values(), key=lambda e: (-e["count"], e["question"]))[:top]
    return {
        "available": True,
        "total": total,
        "conversations": len(conversations),
        "by_channel": dict(by_channel.most_common()),
        "by_outcome": {name: by_outcome[name] for name in oc.OUTCOMES if by_outcome[name]},
        "share": {name: (round(by_outcome[name] / total, 4) if total else None) for name in SHARE_OUTCOMES},
        "by_channel_outcome": {ch: dict(c) for ch, c in sorted(by_channel_outcome.items())},
        "answered_by_topic": dict(by_topic.most_common()),
        "per_day": [
            {"day": day, "turns": sum(c.values()), **{name: c[name] for name in SHARE_OUTCOMES}}
            for day, c in sorted(per_day.items())
        ],
        "unanswered": [
            {
                "question": e["forms"].most_common(1)[0][0],
                "count": e["count"],
                "reason": e["reasons"].most_common(1)[0][0],
                "last": e["last"],
            }
            for e in top_unanswered
        ],
    }


# -- ratings and handoffs from the store -------------------------------------------------
def _score(up: int, total: int) -> Optional[float]:
    return round(up / total, 4) if total else None


def summarise_feedback(engine: sa.engine.Engine, start: dt.datetime, end: dt.datetime) -> Dict[str, Any]:
    from store.db import feedback

    if not _has_table(engine, "feedback"):
        return {"ratings": 0, "up": 0, "down": 0, "score": None, "comments": 0, "by_topic": [], "per_day": []}
    query = sa.select(feedback.c.created_at, feedback.c.rating, feedback.c.topic, feedback.c.comment).where(
        feedback.c.created_at >= _db_time(engine, start), feedback.c.created_at <= _db_time(engine, end),
        ~feedback.c.conversation_id.startswith(oc.WARM_UP_SENDER, autoescape=True),
    )
    topics: Dict[str, Counter] = defaultdict(Counter)
    days: Dict[str, Counter] = defaultdict(Counter)
    up = down = comments = 0
    with engine.connect() as conn:
        for created_at, rating, topic, comment in conn.execute(query):
            if comment:
                comments += 1
            if rating not in ("up", "down"):
                continue
            up += rating == "up"
            down += rating == "down"
            topics[topic or "(không rõ)"][rating] += 1
            days[_local_day(created_at)][rating] += 1
    return {
        "ratings": up + down,
        "up": up,
        "down": down,
        "score": _score(up, up + down),
        "comments": comments,
        "by_topic": sorted(
            ({"topic": t, "up": c["up"], "down": c["down"], "ratings": c["up"] + c["down"], "score": _score(c["up"], c["up"] + c["down"])}
             for t, c in topics.items()),
            key=lambda row: (-row["ratings"], row["topic"]),
        ),
        "per_day": [
            {"day": d, "up": c["up"], "down": c["down"], "score": _score(c["up"], c["up"] + c["down"])}
            for d, c in sorted(days.items())
        ],
    }


def open_handoffs(engine: sa.engine.Engine, pseudonym: Callable[[str], str], now: dt.datetime) -> List[Dict[str, Any]]:
    from store.records import list_handoffs

    if not _has_table(engine, "handoffs"):
        return []
    rows = []
    for row in list_handoffs(status="open", engine=engine):
        created = row["created_at"]
        if isinstance(created, dt.datetime) and created.tzinfo is None:
            created = created.replace(tzinfo=dt.timezone.utc)
        rows.append({
            "id": row["id"],
            "ref": f"YC-{row['id']}",
            "created_at": created.astimezone(TZ).isoformat(timespec="minutes") if isinstance(created, dt.datetime) else str(created),
            "age_days": round((now - created).total_seconds() / 86400, 1) if isinstance(created, dt.datetime) else None,
            "channel": row["channel"],
            "conversation": pseudonym(row["conversation_id"]),
            "reason": redact(row.get("reason") or "")[:300],
            "messages": len(row.get("transcript") or []),
        })
    return rows


def summarise_staff(engine: sa.engine.Engine, start: dt.datetime, end: dt.datetime) -> Dict[str, Any]:
    """Requests and 👎/comments received in the period: how many staff handled (a request
    released to the bot or closed; a rating or comment replied to or marked handled), and the
    median seconds from a request to the first staff reply."""
    from store.db import feedback, handoffs

    empty = {"requests": 0, "handled": 0, "handled_rate": None, "answered": 0, "median_first_response_s": None,
             "feedback_items": 0, "feedback_handled": 0, "feedback_handled_rate": None}
    if not _has_table(engine, "handoffs") or "first_response_at" not in {c["name"] for c in sa.inspect(engine).get_columns("handoffs")}:
        return empty
    within = lambda table: (table.c.created_at >= _db_time(engine, start), table.c.created_at <= _db_time(engine, end))  # noqa: E731
    requests = sa.select(handoffs.c.created_at, handoffs.c.status, handoffs.c.first_response_at).where(
        *within(handoffs), handoffs.c.status != "merged", ~handoffs.c.conversation_id.startswith(oc.WARM_UP_SENDER, autoescape=True))
    items = sa.select(feedback.c.handled_at).where(
        *within(feedback), (feedback.c.rating == "down") | (feedback.c.rating.is_(None) & feedback.c.comment.isnot(None)))
    with engine.connect() as conn:
        rows = conn.execute(requests).all()
        handled_items = [handled_at for (handled_at,) in conn.execute(items)]
    waits = []
    for created, _, first in rows:
        if first is not None and isinstance(created, dt.datetime):
            created = created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)
            waits.append(max(0.0, first - created.timestamp()))
    handled = sum(status in ("released", "closed") for _, status, _ in rows)
    done_items = sum(at is not None for at in handled_items)
    return {
        "requests": len(rows), "handled": handled, "handled_rate": _score(handled, len(rows)),
        "answered": len(waits), "median_first_response_s": round(statistics.median(waits), 1) if waits else None,
        "feedback_items": len(handled_items), "feedback_handled": done_items,
        "feedback_handled_rate": _score(done_items, len(handled_items)),
    }


def duration(seconds: Optional[float], vi: bool = False) -> str:
    """A wait for people: "—", "45 s", "12 min", "3 h 5 min", "2 d 4 h" (or in Vietnamese)."""
    s, m, h, d = ("giây", "phút", "giờ", "ngày") if vi else ("s", "min", "h", "d")
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} {s}"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} {m}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} {h} {minutes} {m}" if hours < 48 else f"{hours // 24} {d} {hours % 24} {h}"


# -- the whole report --------------------------------------------------------------------
def build_report(
    engine: sa.engine.Engine,
    events_engine: Optional[sa.engine.Engine] = None,
    since: Optional[dt.date] = None,
    days: Optional[int] = None,
    top: int = 10,
    pseudonym: Optional[Callable[[str], str]] = None,
    now: Optional[dt.datetime] = None,
) -> Dict[str, Any]:
    """The report over [since or today - days + 1, now] (JSON-ready)."""
    if pseudonym is None:
        from common.logs import conversation_id_for

        pseudonym = conversation_id_for
    events_engine = events_engine or engine
    start, end = period(since, days, now)
    if _has_table(events_engine, "events"):
        turns = summarise_turns(read_turns(events_engine, start, end), top=top)
    else:
        turns = {
            "available": False, "total": 0,
            "note": "no `events` table: Rasa's tracker store is not in this database (see --tracker-url)",
        }
    report = {
        "generated_at": end.isoformat(timespec="seconds"),
        "period": {"start": start.date().isoformat(), "end": end.date().isoformat(), "timezone": "UTC+07:00"},
        "turns": turns,
        "satisfaction": summarise_feedback(engine, start, end),
        "open_handoffs": open_handoffs(engine, pseudonym, end),
        "staff": summarise_staff(engine, start, end),
    }
    report["empty"] = not (turns.get("total") or report["satisfaction"]["ratings"] or report["satisfaction"]["comments"] or report["open_handoffs"])
    return report


# -- text --------------------------------------------------------------------------------
def _pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def format_text(report: Dict[str, Any]) -> List[str]:
    p = report["period"]
    lines = [f"dvc-bot report {p['start']} → {p['end']} ({p['timezone']})", ""]
    if report.get("empty"):
        lines += ["No data yet: no turns, ratings or handoff requests in this period.", ""]
    turns = report["turns"]
    lines.append("Turns")
    if not turns.get("available"):
        lines.append(f"  unavailable: {turns.get('note')}")
    elif not turns["total"]:
        lines.append("  no data yet")
    else:
        lines.append(f"  {turns['total']} turns in {turns['conversations']} conversations")
        for channel, n in turns["by_channel"].items():
            lines.append(f"  {channel:<12} {n:>7}")
        lines.append("  outcome: " + ", ".join(f"{name} {_pct(turns['share'][name])}" for name in SHARE_OUTCOMES)
                     + "  (" + ", ".join(f"{k} {v}" for k, v in turns["by_outcome"].items()) + ")")
    lines.append("")
    sat = report["satisfaction"]
    lines.append("Satisfaction (👍 / all ratings)")
    if not sat["ratings"]:
        lines.append("  no ratings yet" + (f" ({sat['comments']} comments)" if sat["comments"] else ""))
    else:
        lines.append(f"  overall {_pct(sat['score'])} of {sat['ratings']} ratings (👍 {sat['up']}, 👎 {sat['down']}); {sat['comments']} comments")
        lines.append("  by topic:")
        for row in sat["by_topic"]:
            lines.append(f"    {row['topic']:<16} {_pct(row['score']):>5}  ({row['up']}/{row['ratings']})")
        lines.append("  by day:")
        for row in sat["per_day"]:
            lines.append(f"    {row['day']}  {_pct(row['score']):>5}  ({row['up']}/{row['up'] + row['down']})")
    lines.append("")
    lines.append("Top unanswered questions (personal numbers masked)")
    unanswered = turns.get("unanswered") or []
    if not unanswered:
        lines.append("  none" if turns.get("available") else "  unavailable")
    for row in unanswered:
        lines.append(f"  {row['count']:>4}×  {row['question']}  [{row['reason']}, last {row['last']}]")
    lines.append("")
    staff = report["staff"]
    lines.append("Staff")
    lines.append(f"  requests handled (back to the bot or closed): {staff['handled']} of {staff['requests']} ({_pct(staff['handled_rate'])})")
    lines.append(f"  median time to the first staff reply: {duration(staff['median_first_response_s'])} ({staff['answered']} answered)")
    lines.append(f"  👎 and comments handled: {staff['feedback_handled']} of {staff['feedback_items']} ({_pct(staff['feedback_handled_rate'])})")
    lines.append("")
    handoffs = report["open_handoffs"]
    lines.append(f"Open handoff requests ({len(handoffs)})")
    if not handoffs:
        lines.append("  none")
    for row in handoffs:
        lines.append(f"  {row['ref']:<8} {row['created_at']}  {row['channel']:<9} conv {row['conversation']}  {row['reason']}")
    return lines
