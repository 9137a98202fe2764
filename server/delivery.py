"""May a message go to a citizen now, on their channel? The platforms' rules for messages sent
after the citizen's own (`../shared/research/staff-and-campaigns.md` names the sources):

- Zalo OA: 8 consultation messages within 48 h of the citizen's last message (the count starts
  again when they write); anything else is a paid proactive message, which we never send.
- Messenger: a normal reply within 24 h of the citizen's last message. From 24 h to 7 days only
  a message a person wrote, with the HUMAN_AGENT tag, and only when the deployment has Meta's
  approval for it (MESSENGER_HUMAN_AGENT, off by default). Never a bot message with the tag.
- Website: always; the widget shows it live, or when it next connects.

`check` answers with the reason in Vietnamese (shown to staff in the console and in the API's
409), never silently."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from server.platforms.zalo import WINDOW_REPLIES, WINDOW_S

DAY_S = 24 * 3600.0
HUMAN_AGENT_S = 7 * DAY_S
HUMAN_AGENT = "HUMAN_AGENT"


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    code: str = ""
    tag: Optional[str] = None  # Messenger message tag to send with


def refused(code: str, reason: str) -> Verdict:
    return Verdict(False, reason, code)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.0f} giờ" if seconds < 2 * DAY_S else f"{seconds / DAY_S:.1f} ngày".replace(".", ",")


def check(channel: str, last_citizen_at: Optional[float], sent_since: int, now: float, *, human: bool,
          human_agent_enabled: bool = False, count: int = 1) -> Verdict:
    """`count` messages to a citizen whose last message came at `last_citizen_at` (epoch seconds,
    None: unknown), `sent_since` messages already sent since then."""
    if channel == "web":
        return Verdict(True)
    if channel not in ("zalo", "facebook"):
        return refused("no_channel", "cuộc trò chuyện này không qua kênh nào gửi tin được (không phải web, Zalo hay Messenger)")
    if not last_citizen_at:
        return refused("no_message", "chưa có tin nhắn nào của công dân trên kênh này: chưa được phép gửi")
    age = max(0.0, now - last_citizen_at)
    if channel == "zalo":
        if age > WINDOW_S:
            return refused("zalo_48h", f"Zalo: đã {_hours(age)} kể từ tin nhắn cuối của công dân; OA chỉ được trả lời "
                                       "trong 48 giờ. Chờ công dân nhắn lại, hoặc liên hệ qua số gọi lại nếu có.")
        if sent_since + count > WINDOW_REPLIES:
            return refused("zalo_8_replies", f"Zalo: đã gửi {sent_since} tin kể từ tin nhắn cuối của công dân; OA chỉ được "
                                             f"gửi {WINDOW_REPLIES} tin trong 48 giờ. Chờ công dân nhắn lại.")
        return Verdict(True)
    if age <= DAY_S:
        return Verdict(True)
    if age <= HUMAN_AGENT_S and human and human_agent_enabled:
        return Verdict(True, tag=HUMAN_AGENT)
    if age <= HUMAN_AGENT_S and human:
        return refused("messenger_24h", f"Messenger: đã {_hours(age)} kể từ tin nhắn cuối của công dân (quá 24 giờ). "
                                        "Sau 24 giờ chỉ được gửi với thẻ HUMAN_AGENT, cần Meta duyệt và bật "
                                        "MESSENGER_HUMAN_AGENT; máy chủ này chưa bật.")
    if age <= HUMAN_AGENT_S:
        return refused("messenger_24h", "Messenger: quá 24 giờ kể từ tin nhắn cuối của công dân; tin tự động không được gửi.")
    return refused("messenger_7d", f"Messenger: đã {_hours(age)} kể từ tin nhắn cuối của công dân; quá 7 ngày thì "
                                   "không được gửi nữa. Chờ công dân nhắn lại.")
