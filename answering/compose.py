"""The words of each kind of answer: short plain Vietnamese that fits a phone screen, the line
that answers first, then the aspect summary where it helps, then the source and its date."""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Dict, List, Optional

from answering.aspects import ASPECTS, BUTTON_TITLES, answer_aspect, card
from answering.citations import CAVEAT, citation_line, source_dicts
from answering.facts import Fact
from common.settings import get_settings

MAX_CHARS = 700  # what a phone screen shows without scrolling far

REFUSAL = (
    "Xin lỗi, việc này nằm ngoài phạm vi mình hỗ trợ. Mình chỉ giúp về dịch vụ công trực tuyến: thủ tục, "
    "thời gian, lệ phí, giấy tờ, cách dùng Cổng Dịch vụ công và VNeID, cách tránh lừa đảo."
)
CLARIFY = "Mình chưa chắc đã hiểu đúng. Bạn muốn hỏi về:"
ASK_PROCEDURE = "Bạn hỏi về thủ tục nào ạ? Chọn bên dưới hoặc gõ tên thủ tục (ví dụ: làm căn cước, đăng ký khai sinh)."
HUMAN_BUTTON = {"title": "Gặp cán bộ", "payload": "/ask_human"}
COMMON = [("Căn cước", "cap-the-can-cuoc"), ("Khai sinh", "dang-ky-khai-sinh"), ("Hộ chiếu", "cap-ho-chieu"),
          ("Kết hôn", "dang-ky-ket-hon"), ("Thường trú", "dang-ky-thuong-tru"), ("Đổi bằng lái", "doi-giay-phep-lai-xe")]
INTENT_TITLES = {
    "ask_procedure": "Hỏi về một thủ tục",
    "ask_access": "Cách dùng Cổng DVC/VNeID",
    "ask_security": "Lừa đảo, an toàn",
    "troubleshoot": "Gặp lỗi, sự cố",
    "ask_benefits": "Lợi ích làm online",
    "ask_support": "Tổng đài, nơi hỗ trợ",
}


def procedure_button(pid: str, title: str, aspect: Optional[str] = None) -> Dict[str, str]:
    entities = {"procedure": pid, **({"aspect": aspect} if aspect else {})}
    return {"title": title, "payload": "/ask_procedure" + json.dumps(entities, ensure_ascii=False)}


def follow_up_buttons(pid: str, shown: List[str]) -> List[Dict[str, str]]:
    return [procedure_button(pid, BUTTON_TITLES[a], a) for a in ASPECTS if a not in shown][:4]


def procedure_citation(proc, code: Optional[str] = None) -> str:
    """The source line, then the national code (`code`, the one asked among those the record covers,
    else the record's own) and the legal basis."""
    line = citation_line(source_dicts(proc.sources, proc.checked))
    extra = []
    code = code or proc.code
    if code:
        extra.append(f"mã thủ tục {code} (tìm trên dichvucong.gov.vn)")
    if proc.legal_basis:
        extra.append(f"căn cứ: {proc.legal_basis[0]}")
    return line + (f"\n🔎 {'; '.join(extra)}." if extra else "")


def procedure_text(proc, aspects: List[str], facts: List[Fact], today: Optional[dt.date] = None,
                   code: Optional[str] = None, gap: Optional[str] = None) -> str:
    """Name; the facts that answer the detail asked; the aspects asked (or a short card when
    neither); who handles it; the caveat of an uncertain record; the source. `gap`: the detail
    asked that the record does not state (None when all was answered), said above the source."""
    by_words, read = [f for f in facts if not f.read], [f for f in facts if f.read]
    lines = [f"📌 {proc.name}"]
    lines += [f"👉 {f.text}" for f in by_words]
    if aspects:
        lines += [answer_aspect(proc, a, today) for a in aspects]
    short_card = not aspects and not by_words
    if short_card:  # nothing asked by name: the short card
        lines.append(card(proc, today))
    said = " ".join(f.text for f in facts)
    who = None
    if not short_card and "where" not in aspects and proc.authority and proc.authority not in said:
        who = f"🏢 Cơ quan giải quyết: {proc.authority}."  # who handles it, whatever was asked
        lines.append(who)
    if proc.uncertain:
        note = proc.uncertain_note if proc.uncertain_note and len(proc.uncertain_note) < 200 else ""
        lines.append(CAVEAT + (f" ({note})" if note else ""))
    # the lines the encoder reads closest to the question, after what was asked by name, who handles
    # it and the caveat: the first cut when the reply is too long for a phone screen
    lines += [f"👉 {f.text}" for f in read]
    lines.append(procedure_citation(proc, code))
    text = _fit("\n".join(lines), who)
    if gap is None:
        return text
    kept = text.split("\n")
    at = next((i for i, l in enumerate(kept) if l.startswith("Nguồn:")), len(kept))
    return "\n".join(kept[:at] + [unknown_part_note(gap)] + kept[at:])


def document_text(doc, facts: List[Fact], checked: str) -> str:
    lines = [f"📌 {doc.title}"]
    lead = doc.lead
    extra = [f for f in facts if f.text not in lead]
    # the line that answers by words first, then the document's short answer, the caveat, and the
    # lines the encoder reads closest to the question (cut first when the reply is too long)
    lines += [f"👉 {f.text}" for f in extra if not f.read]
    lines.append(lead)
    if doc.uncertain:
        lines.append(CAVEAT)
    lines += [f"👉 {f.text}" for f in extra if f.read]
    if doc.sources:
        lines.append(citation_line([{"title": doc.sources[0].title, "url": doc.sources[0].url, "checked": checked}]))
    return _fit("\n".join(lines))


def registry_text(entry) -> str:
    """What the registry says of a procedure we hold no full record for, briefly: what it is, who
    handles it, whether it can be done online (or where to check), the code to search for, where
    to ask, and the source."""
    online = {
        "toàn trình": "Làm trọn vẹn trên mạng được (toàn trình).",
        "một phần": "Nộp hồ sơ trên mạng được, nhưng có bước phải đến trực tiếp (một phần).",
        "không": "Thủ tục này chưa làm trực tuyến được.",
    }.get(entry.online)
    settings = get_settings()
    lines = [f"📌 {entry.name}"]
    if entry.summary:
        lines.append(entry.summary)
    lines.append(f"🏢 Nơi giải quyết: {entry.authority}.")
    if online:
        lines.append(f"💻 {online}")
    search = f"gõ mã thủ tục {entry.code}" if entry.code else "gõ tên thủ tục"
    # the online level unknown: the same search tells it, with the papers and the fee
    lines.append(f"🔎 Trên dichvucong.gov.vn, {search} vào ô tìm kiếm để xem "
                 + ("giấy tờ, lệ phí và nộp hồ sơ." if online else "có nộp trực tuyến được không, giấy tờ và lệ phí."))
    lines.append(f"ℹ️ Mình chưa có hướng dẫn chi tiết cho thủ tục này: hỏi Bộ phận Một cửa UBND xã/phường nơi bạn ở "
                 f"hoặc tổng đài {settings.hotline_portal}.")
    checked = entry.checked if isinstance(entry.checked, dt.date) else dt.date.fromisoformat(str(entry.checked))
    lines.append(citation_line([{"title": entry.source_title, "url": entry.source_url, "checked": checked.isoformat()}]))
    return _fit("\n".join(lines))


def referral_text(subject: str) -> str:
    settings = get_settings()
    about = f"về «{subject}»" if subject else "về việc này"
    return (
        f"Mình chưa có hướng dẫn {about}, nên không dám trả lời để tránh sai. Bạn có thể:\n"
        "• gõ tên thủ tục vào ô tìm kiếm trên dichvucong.gov.vn;\n"
        "• hỏi Bộ phận Một cửa UBND xã/phường nơi bạn ở (giờ hành chính);\n"
        f"• gọi tổng đài Cổng Dịch vụ công quốc gia {settings.hotline_portal}."
    )


SUGGESTIONS = "\nCó thể bạn cần một trong các thủ tục dưới đây (bấm để xem ai giải quyết và mã thủ tục):"
SUGGESTIONS_TOO = "\n• Hoặc có thể bạn cần thủ tục ở nút tiếp theo (bấm để xem ai giải quyết và mã thủ tục)."


def registry_button(entry) -> Dict[str, str]:
    """A registry procedure's button: its national code, which brings what the registry says."""
    return {"title": entry.name, "payload": f"Thủ tục mã {entry.code}"}


def doubt_text(title: str, other: str = "") -> str:
    """A card the verifier doubts: offer the record (or two), and where to ask if neither is meant."""
    settings = get_settings()
    about = f"«{title}» hay «{other}»" if other else f"«{title}»"
    pick = "Nếu là một trong hai việc đó, bấm nút bên dưới." if other else "Nếu đúng vậy, bấm nút bên dưới."
    return (
        f"Mình chưa chắc bạn hỏi về {about}, nên chưa trả lời ngay để tránh sai.\n"
        f"• {pick}\n"
        f"• Nếu không, bạn hỏi Bộ phận Một cửa UBND xã/phường hoặc gọi tổng đài {settings.hotline_portal}."
    )


def unknown_detail_text(proc, detail: str) -> str:
    settings = get_settings()
    return (
        f"📌 {proc.name}\n"
        f"Hướng dẫn mình có về thủ tục này chưa nói về {f'«{detail}»' if detail else 'điều bạn hỏi'}, nên mình không dám trả lời để tránh sai. "
        f"Bạn hỏi Bộ phận Một cửa nơi nộp hồ sơ, hoặc tổng đài {settings.hotline_portal}. "
        "Mình có thể cho biết thời gian, lệ phí, giấy tờ của thủ tục này (chọn bên dưới)."
    )


def unknown_part_note(detail: str) -> str:
    """The line under a card that answers only part of the question."""
    about = f"«{detail}»" if detail else "phần còn lại bạn hỏi"
    return f"ℹ️ Hướng dẫn mình có chưa nói về {about}: bạn hỏi thêm Bộ phận Một cửa nơi nộp hồ sơ."


def not_for_text(proc, named: str, say: str) -> str:
    settings = get_settings()
    return (
        f"📌 {proc.name}\n"
        f"Hướng dẫn này không dành cho «{named}». {say} "
        f"Bạn hỏi Bộ phận Một cửa của xã, phường hoặc tổng đài {settings.hotline_portal} để được chỉ đúng thủ tục."
    )


def ask_procedure_buttons(aspect: Optional[str], known) -> List[Dict[str, str]]:
    return [procedure_button(pid, title, aspect) for title, pid in COMMON if pid in known]


def clarify_buttons(procedures, aspect: Optional[str]) -> List[Dict[str, str]]:
    return [procedure_button(p.id, p.name, aspect) for p in procedures][:4] + [HUMAN_BUTTON]


def intent_buttons(ranking: List[str]) -> List[Dict[str, str]]:
    likely = [name for name in ranking if name in INTENT_TITLES][:2]
    for default in ("ask_procedure", "ask_access"):
        if len(likely) < 2 and default not in likely:
            likely.append(default)
    return [{"title": INTENT_TITLES[n], "payload": f"/{n}"} for n in likely] + [HUMAN_BUTTON]


WHO = "🏢"
SAYS_WHO = ("Nơi nộp", "Cơ quan giải quyết", "Nơi giải quyết", "Nơi làm")


def _first_clause(line: str) -> str:
    """A who-handles-it line without the legal references in its brackets and the cases after a
    semicolon: short, since the lines that answer come first ("UBND cấp xã nơi cư trú ...")."""
    short = re.sub(r"\s*\((?:[^()]*\b(?:Nghị định|Luật|Thông tư|Quyết định|NĐ-CP)\b[^()]*)\)", "", line)
    short = short.split(";")[0].rstrip(" .")
    return short + "."


def _fit(text: str, who: Optional[str] = None) -> str:
    """Long lists are cut at a line boundary, saying where the rest is. The source line stays, and so
    does who handles it: `who` (the line added to say it when it was not asked) comes after the
    lines that answer; either it or the answer to "where" is kept, unless a line kept says it."""
    if len(text) <= MAX_CHARS + 250:
        return text
    lines = text.split("\n")
    tail = [l for l in lines[-2:] if l.startswith(("Nguồn:", "🔎"))]
    body = [l for l in lines[: len(lines) - len(tail)] if l != who]
    kept: List[str] = []
    for line in body:
        if sum(len(l) + 1 for l in kept) + len(line) > MAX_CHARS:
            break
        kept.append(line)
    if len(kept) == len(body):
        return "\n".join(kept + ([who] if who else []) + tail)
    # who handles it: the line added for it, or the answer to "ở đâu" a long list pushed off
    who = who or next((l for l in body[len(kept):] if l.startswith(WHO)), None)
    if who and not any(said in line for line in kept for said in SAYS_WHO):
        kept.append(_first_clause(who))
    return "\n".join(kept + ["… (xem đủ ở nguồn bên dưới)"] + tail)
