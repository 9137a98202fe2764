"""What a campaign may be and to whom each message may go: the checks before anything is stored
(topic, text, time), the message as citizens read it, and the channels' rules per recipient
(`../shared/research/staff-and-campaigns.md` names the sources):

- Zalo: a consultation message ("tin tư vấn", /message/cs) within 48 h of the citizen's last
  message (at most 8 in that window, bot replies included); otherwise only through the promotion
  endpoint ("tin truyền thông"), when the OA has Zalo's package for it (ZALO_PROMOTION, off by
  default); else blocked.
- Messenger: within 24 h of the citizen's last message; anything later needs Meta's approval of
  paid marketing messages, which this deployment does not use: blocked.
- Web: a notice kept for the citizen's widget, shown when it next opens.
- Every channel: at most CAMPAIGN_DAILY_CAP campaign messages a citizen a day (Vietnam time).

Used by the gateway's sender (server/campaigns.py), the console and `dvc-bot campaign`."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Optional

import sqlalchemy as sa

from common.office_hours import TZ
from common.settings import Settings
from knowledge.normalize import strip_accents
from server import delivery
from server.render.text import units
from store import campaigns as campaign_store
from store import consent

STOP = "nhắn HỦY NHẬN TIN"  # every campaign message ends with how to stop
LIMITS = {"zalo": 2000, "facebook": 2000, "web": 2000}  # characters (UTF-16 units) of one message
CHANNEL_NAMES = {"zalo": "Zalo", "facebook": "Messenger", "web": "trang web"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class BadCampaign(ValueError):
    """A campaign that cannot be sent as given (the message says why, for the person sending)."""


@dataclass
class Draft:
    topic: str  # the topic's key
    text: str  # as written (cleaned), without the last line
    due_at: float
    message: str  # what citizens read


@dataclass
class Decision:
    route: Optional[str]  # cs | promotion (Zalo) | messenger | web; None: blocked
    code: str = ""
    reason: str = ""


def _plain(text: str) -> str:
    return " ".join(strip_accents(text).lower().replace("-", " ").split())


def topic_key(settings: Settings, given: str) -> str:
    """The topic named by its key or its label (accents and case aside)."""
    wanted = _plain(given or "")
    for key, label in settings.topics.items():
        if wanted in (_plain(key), _plain(label)):
            return key
    known = ", ".join(f"{k} ({v})" for k, v in settings.topics.items())
    raise BadCampaign(f"chủ đề không có: {given!r} (unknown topic); các chủ đề: {known}")


def message(settings: Settings, topic: str, text: str) -> str:
    return f"{text}\n\n— {settings.campaign_sender} · {settings.topics[topic]}. Không muốn nhận nữa, {STOP}"


def due_time(at: Optional[str], now: float) -> float:
    """An ISO 8601 time (Vietnam time when it names no zone), not in the past; now when None."""
    if at is None or not str(at).strip():
        return now
    try:
        moment = dt.datetime.fromisoformat(str(at).strip())
    except ValueError:
        raise BadCampaign(f"thời điểm không đọc được: {at!r} (expected ISO 8601, e.g. 2026-12-20T08:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    if moment.timestamp() < now:
        raise BadCampaign(f"thời điểm {moment.astimezone(TZ):%H:%M %d/%m/%Y} đã qua (a time in the past)")
    return moment.timestamp()


def draft(settings: Settings, topic: str, text: str, at: Optional[str], now: float) -> Draft:
    """Check a campaign before anything is stored; raises BadCampaign with the reason."""
    key = topic_key(settings, topic)
    clean = _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).replace("\r\n", "\n").strip()
    if not clean:
        raise BadCampaign("nội dung trống (empty text)")
    due = due_time(at, now)
    full = message(settings, key, clean)
    for channel, limit in LIMITS.items():
        if units(full) > limit:
            room = limit - (units(full) - units(clean))
            raise BadCampaign(f"nội dung dài {units(clean)} ký tự, quá giới hạn của {CHANNEL_NAMES[channel]}: tối đa {room} ký tự "
                              f"cộng dòng cuối hướng dẫn hủy ({limit} ký tự một tin) (text over the channel limit)")
    return Draft(key, clean, due, full)


def day_start(now: float) -> float:
    """Midnight, Vietnam time, of the day `now` falls in (the daily cap's day)."""
    local = dt.datetime.fromtimestamp(now, TZ)
    return dt.datetime.combine(local.date(), dt.time(), TZ).timestamp()


ZALO_PROMOTION_OFF = ("Ngoài khung này chỉ gửi được bằng tin truyền thông, cần gói của Zalo cho OA (ZALO_PROMOTION); "
                      "máy chủ này chưa bật.")
REASONS = {
    "no_message": "{name}: công dân chưa nhắn tin trên kênh này.",
    "zalo_48h": "Zalo: công dân không nhắn cho OA trong 48 giờ qua; tin tư vấn chỉ được gửi trong 48 giờ.",
    "zalo_8_replies": "Zalo: OA đã gửi 8 tin kể từ tin nhắn cuối của công dân (tối đa 8 tin tư vấn trong 48 giờ).",
    "messenger_24h": "Messenger: công dân không nhắn cho trang trong 24 giờ qua; tin chủ động sau 24 giờ cần Meta duyệt "
                     "(không dùng).",
}


def decide(channel: str, last_citizen_at: Optional[float], sent_in_window: int, now: float, *, enabled: Dict[str, bool],
           zalo_promotion: bool, sent_today: int, cap: int) -> Decision:
    """May a campaign message go to this citizen now, and how? `enabled`: the channels this
    gateway can send to; `sent_in_window`: Zalo messages since the citizen's last one."""
    if sent_today >= cap:
        return Decision(None, "daily_cap", f"công dân đã nhận {sent_today} tin chiến dịch hôm nay "
                                           f"(tối đa {cap} tin một ngày, CAMPAIGN_DAILY_CAP).")
    if channel == "web":
        return Decision("web")
    name = CHANNEL_NAMES.get(channel, channel)
    if channel not in LIMITS:
        return Decision(None, "no_channel", f"kênh {channel!r} không gửi tin được.")
    if not enabled.get(channel):
        return Decision(None, "channel_off", f"kênh {name} chưa bật trên máy chủ này.")
    verdict = delivery.check(channel, last_citizen_at, sent_in_window, now, human=False)
    if verdict.ok:
        return Decision("cs" if channel == "zalo" else "messenger")
    if channel == "zalo" and zalo_promotion:
        return Decision("promotion")
    code = "messenger_24h" if verdict.code == "messenger_7d" else verdict.code
    reason = REASONS.get(code, verdict.reason).format(name=name)
    return Decision(None, code, f"{reason} {ZALO_PROMOTION_OFF}" if channel == "zalo" else reason)


def preview(engine: sa.engine.Engine, settings: Settings, topic: str, now: float) -> Dict[str, Any]:
    """Who would get a campaign on `topic` if it went out now, per channel: recipients, how many
    the rules let through, how many they block and why (Zalo's count of replies in the window is
    known to the gateways only: counted as none here)."""
    enabled = {"zalo": not settings.zalo_missing(), "facebook": not settings.facebook_missing(), "web": True}
    today = campaign_store.handed_over_counts(engine, day_start(now))
    channels: Dict[str, Dict[str, Any]] = {}
    for person in consent.recipients(engine, topic):
        decision = decide(person["channel"], person["last_citizen_at"], 0, now, enabled=enabled, zalo_promotion=settings.zalo_promotion,
                          sent_today=today.get(person["subject"], 0), cap=settings.campaign_daily_cap)
        line = channels.setdefault(person["channel"], {"recipients": 0, "would_send": 0, "blocked": 0, "blocked_by": {}})
        line["recipients"] += 1
        if decision.route:
            line["would_send"] += 1
        else:
            line["blocked"] += 1
            line["blocked_by"].setdefault(decision.code, {"count": 0, "reason": decision.reason})["count"] += 1
    totals = {key: sum(line[key] for line in channels.values()) for key in ("recipients", "would_send", "blocked")}
    return {**totals, "channels": channels}
