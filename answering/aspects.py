"""Which aspect of a procedure a citizen asks about, and how each aspect is answered."""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, List

from knowledge.catalog import Procedure
from knowledge.normalize import search_form

ASPECTS = ("time", "fee", "documents", "where", "online", "steps")

# Accent-free keyword patterns (after abbreviation expansion): the fallback when NLU did not
# tag an aspect entity, and the way to find several aspects in one question.
KEYWORDS = {
    "time": r"bao lau|may ngay|bao nhieu ngay|may hom|bao nhieu hom|may tuan|mat bao|thoi gian|thoi han|bao gio (co|xong|nhan)|khi nao (co|xong|nhan)|nhanh khong|lau khong",
    # "tiền" and "giá" alone are not a fee: "tiền tuất", "gia đình", "gia hạn", "giá trị"
    "fee": r"le phi|phi\b|bao nhieu tien|het bao nhieu|mat bao nhieu|ton bao nhieu|chi phi|mien phi|"
           r"\b(het|mat|ton|dong|nop|tra|bao nhieu|may|it|nhieu|khoan) tien\b|\btien (phi|le phi|lam|gi)\b|\bgia (bao nhieu|ca|tien)\b|\d+ ?k\b",
    "documents": r"giay to|ho so gom|gom (nhung )?gi|gom nhung|can (\w+ ){1,3}(loai )?gi\b|ho so can|can gi|can nhung gi|mang (theo )?gi|chuan bi|thanh phan|(mang|nop|dem|dua|xuat trinh) (theo )?nhung gi|giay gi|to khai|mau don|(can|phai) (mang|nop|dem|xuat trinh)\b",
    "where": r"o dau|co quan nao|noi nao|cho nao|\b(xa|phuong|tinh|huyen|cong an) nao\b|nop o dau|lam o dau|dia chi|ai giai quyet|len dau|xa hay tinh"
             # "chứng thực ở xã được không", "hay phải về quê làm": whether it is done there
             r"|\bo (xa|phuong|uy ban|ubnd|cong an)\b( \w+){0,2} (duoc|dc) (khong|ko|k)\b|\bphai ve (que|xa|tinh|noi)\b"
             # a choice between two places ("về quê đăng ký hay đăng ký chỗ đang học")
             r"|\b(ve que|o que|noi (thuong tru|tam tru|cu tru|dang o|dang song|lam viec|dang hoc)|cho (dang )?(o|hoc|lam|song|tro))\b( \w+){0,4} hay\b"
             r"|\bhay\b( \w+){0,4} (ve que|o que|noi (thuong tru|tam tru|cu tru|dang o|dang song|lam viec|dang hoc)|cho (dang )?(o|hoc|lam|song|tro))\b",
    "online": r"online|truc tuyen|qua mang|tren mang|(lam|nop|dang ky|khai) (\w+ )?(o|tai) nha\b|toan trinh|tren dien thoai|qua vneid|tren vneid|qua app",
    "steps": r"cac buoc|thu tuc the nao|thu tuc ra sao|lam the nao|lam sao|lam nhu the nao|quy trinh|huong dan|trinh tu"
             r"|\bbang cach nao\b|\b(bao|khai|nop|xin|dang ky) (the nao|ra sao|nhu the nao)\b",
}
_PATTERNS = {aspect: re.compile(pattern) for aspect, pattern in KEYWORDS.items()}

BUTTON_TITLES = {
    "time": "⏱ Bao lâu?",
    "fee": "💰 Lệ phí?",
    "documents": "📄 Giấy tờ?",
    "where": "🏢 Nộp ở đâu?",
    "online": "💻 Nộp online?",
    "steps": "📝 Các bước?",
}


def aspects_in(text: str, entity_values: Iterable[str] = ()) -> List[str]:
    found = [v for v in entity_values if v in ASPECTS]
    form = search_form(text or "")
    found += [a for a, pattern in _PATTERNS.items() if pattern.search(form)]
    return [a for a in ASPECTS if a in found]  # canonical order, no duplicates


def _date(value) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def answer_aspect(proc: Procedure, aspect: str, today: dt.date = None) -> str:
    today = today or dt.date.today()
    if aspect == "time":
        return f"⏱ Thời gian giải quyết: {proc.processing_time}."
    if aspect == "fee":
        lines = [f"💰 Lệ phí: {proc.fee}"]
        for note in proc.fee_notes:
            if not isinstance(note, dict) or not note.get("text"):
                continue
            until = note.get("until")
            if until and (dt.date.fromisoformat(until) if isinstance(until, str) else until) < today:
                continue  # an ended discount is not shown as current
            lines.append(f"• {note['text']}")
        return "\n".join(lines)
    if aspect == "documents":
        return "📄 Giấy tờ cần chuẩn bị:\n" + "\n".join(f"• {d}" for d in proc.documents)
    if aspect == "where":
        return f"🏢 Cơ quan giải quyết: {proc.authority}.\nNơi nộp: {proc.where}"
    if aspect == "online":
        online = proc.online or {}
        level = online.get("level", "")
        head = {"toàn trình": "Làm trọn vẹn trên mạng được (toàn trình).", "một phần": "Nộp hồ sơ trên mạng được, nhưng vẫn có bước phải đến trực tiếp (một phần).", "không": "Thủ tục này chưa làm trực tuyến được."}.get(level, level)
        parts = [f"💻 {head}", online.get("note", ""), online.get("url", "")]
        return "\n".join(p for p in parts if p)
    if aspect == "steps":
        return "📝 Các bước:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(proc.steps, 1))
    raise ValueError(f"unknown aspect {aspect!r}")


def card(proc: Procedure, today: dt.date = None) -> str:
    """A short overview that fits a phone screen: time, fee, where, online."""
    online = (proc.online or {}).get("level", "")
    lines = [
        f"⏱ Thời gian: {proc.processing_time}.",
        f"💰 Lệ phí: {proc.fee}",
        f"🏢 Nơi làm: {proc.authority}.",
        f"💻 Trực tuyến: {online}. {(proc.online or {}).get('url', '')}".rstrip(),
    ]
    return "\n".join(lines)
