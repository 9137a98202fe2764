"""When staff answer: office hours in Vietnam time (UTC+7, no daylight saving).

`OFFICE_HOURS` lists day ranges and time ranges, groups separated by ";":
"mon-fri 07:30-11:30 13:30-17:00; sat 07:30-11:30". Days are mon tue wed thu fri sat sun; a group
gives one day or a range, then one or more HH:MM-HH:MM ranges. "always" means staff answer at any
time. `OFFICE_CLOSED_DAYS` lists whole days off (public holidays), "2026-01-01,2026-04-30".
A bad value is refused at start (common.settings)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Dict, List, Optional, Sequence, Tuple

TZ = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
Span = Tuple[dt.time, dt.time]


class Schedule:
    def __init__(self, spans: Dict[int, List[Span]], closed: Sequence[dt.date] = (), always: bool = False) -> None:
        self.spans = {day: sorted(spans.get(day, [])) for day in range(7)}
        self.closed = frozenset(closed)
        self.always = always

    @classmethod
    def parse(cls, hours: str, closed_days: str = "") -> "Schedule":
        """Raises ValueError with the reason when a value cannot be read."""
        closed = [_date(d) for d in closed_days.split(",") if d.strip()]
        text = (hours or "").strip().lower()
        if text == "always":
            return cls({}, closed, always=True)
        spans: Dict[int, List[Span]] = {}
        for group in filter(None, (g.strip() for g in text.split(";"))):
            days, *ranges = group.split()
            if not ranges:
                raise ValueError(f"{group!r}: give the hours after the days, e.g. 'mon-fri 07:30-17:00'")
            for day in _days(days):
                spans.setdefault(day, []).extend(_span(r) for r in ranges)
        if not spans:
            raise ValueError("no office hours given (use 'always' for staff at any time)")
        return cls(spans, closed)

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(TZ)
        if local.date() in self.closed:
            return False
        if self.always:
            return True
        now = local.time()
        return any(start <= now < end for start, end in self.spans[local.weekday()])

    def next_open(self, moment: dt.datetime) -> Optional[dt.datetime]:
        """The next moment staff are at work (`moment` itself when open now), within 60 days."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(TZ)
        for offset in range(61):
            day = local.date() + dt.timedelta(days=offset)
            if day in self.closed:
                continue
            if self.always:
                return dt.datetime.combine(day, dt.time(), TZ)
            for start, _ in self.spans[day.weekday()]:
                candidate = dt.datetime.combine(day, start, TZ)
                if candidate > local:
                    return candidate
        return None


def describe(moment: Optional[dt.datetime], now: dt.datetime) -> str:
    """"07:30 thứ Hai, 14/12" (or "07:30 hôm nay"/"ngày mai") for a citizen."""
    if moment is None:
        return "ngày làm việc tiếp theo"
    local, today = moment.astimezone(TZ), now.astimezone(TZ).date()
    if local.date() == today:
        return f"{local:%H:%M} hôm nay"
    if local.date() == today + dt.timedelta(days=1):
        return f"{local:%H:%M} ngày mai ({DAY_NAMES_VI[local.weekday()]}, {local:%d/%m})"
    return f"{local:%H:%M} {DAY_NAMES_VI[local.weekday()]}, {local:%d/%m}"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a day (YYYY-MM-DD)") from None


def _days(text: str) -> List[int]:
    first, _, last = text.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"{text!r}: days are {', '.join(DAYS)} or a range such as mon-fri")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise ValueError(f"{text!r}: a range goes forward in the week (mon-fri, not fri-mon)")
    return list(range(start, end + 1))


def _span(text: str) -> Span:
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r}: hours are HH:MM-HH:MM, e.g. 07:30-11:30")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{text!r}: not a time of day")
    start = dt.time(h1, m1)
    end = dt.time.max if h2 == 24 else dt.time(h2, m2)
    if end <= start:
        raise ValueError(f"{text!r}: the end comes before the start")
    return start, end
