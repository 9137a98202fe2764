"""Fact-level answers: the line of a record that answers what was asked.

Every item of a procedure (its processing time, fee and fee notes, each paper, each step, where,
who, the online note) and every line or bullet of a document is a unit that keeps its record.
A question's detail words (what is left once the words naming the record and the question words
are removed) are matched against each unit, weighted by rarity; a few cue classes (age,
conditions and who is eligible, a deadline after an event, health check, authorisation, forms,
expiry) point at the units that state such facts even when they share few words with the
question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Set, Tuple

from answering.vocab import NOT_A_HOUSEHOLD, Words, vocabulary, words
from knowledge.normalize import search_form
from knowledge.units import document_units, procedure_units

# (what the question says, accent-free) -> (what a line stating that fact says)
CUES: Sequence[Tuple[str, str, str]] = (
    ("age", r"\btuoi\b", r"\btuoi\b"),
    ("eligible", r"dieu kien|\bai (duoc|co the|thi duoc)|doi tuong|truong hop nao|nhung ai|nguoi nao|co duoc (huong|nhan|lam)|duoc huong khong",
     r"dieu kien|doi tuong|truong hop|duoc huong|chi (ap dung|danh)|nguoi (tu|du|duoi|tren|da|chua|khong)"),
    ("deadline", r"(sau|trong|qua|tre) (khi )?(\w+ )?(bao lau|may ngay|bao nhieu ngay)|(co|duoc) (may|bao nhieu) ngay de|thoi han|han chot|qua han|muon nhat|cham nhat|tre nhat|tre han|bao lau (thi |la )?phai|trong vong",
     r"ke tu|trong vong|thoi han|qua han|het han|cham nhat|trong (thoi gian )?\d+ (ngay|thang)|\d+ (ngay|thang) (ke|sau|truoc)"),
    ("expiry", r"het han|co han|thoi han|dung duoc (bao lau|den)|\b(dung|xai|su dung) (duoc )?(trong )?(may|bao nhieu) (nam|thang)\b|gia tri (su dung )?(trong )?(bao lau|may)", r"thoi han|het han|co han|vinh vien|gia tri|ke tu ngay cap"),
    ("health", r"suc khoe|kham", r"suc khoe|kham"),
    ("presence", r"di cung|dan (theo|di)|dua (theo|di|den)|co mat|truc tiep|(phai|can) (den|len|ra|ve|di) (tan|truc|cong|uy|xa|phuong|noi)|"
                 r"(den|toi|xuong|ve) (tan )?nha\b",
     r"dua (tre|con|nguoi)|co mat|truc tiep|di cung|dan theo|(khong )?(phai|can) (den|len|ra|ve|di)|(den|tai) (tan )?(nha|noi o)\b"),
    ("proxy", r"uy quyen|nho (nguoi|ai)|(lam|nop|di|lay|nhan) (ho|thay)\b" + NOT_A_HOUSEHOLD + r"|nguoi nha|nguoi than", r"uy quyen|nguoi (khac|than|nha)|lam thay|thay mat"),
    ("form", r"to khai|mau (don|so|to)|\bmau\b|don (xin|de nghi)", r"to khai|\bmau\b|\bdon\b"),
    ("result", r"ket qua|nhan (o|tai|qua|ve)|tra (ve|ket qua)|buu (dien|chinh)|ban dien tu|ban giay", r"ket qua|buu|nhan ban|ban (giay|dien tu)"),
    ("place", r"cong an|ubnd|uy ban|\bxa\b|\btinh\b|phuong", r"cong an|uy ban|\bxa\b|\btinh\b|phuong"),
    # who must do it ("ai có trách nhiệm đi khai tử", "chủ nhà hay người thuê phải đăng ký")
    ("who", r"\bai (co trach nhiem|phai|se phai|la nguoi)( phai)? (di|lam|nop|dang ky|khai)\b|\bnguoi nao (phai|co trach nhiem)\b|\btrach nhiem (cua ai|thuoc ve ai)",
     r"\bnguoi (than|nha|co trach nhiem|yeu cau|de nghi|di dang ky|dang ky)\b|trach nhiem|\bchu (ho|nha|co so)\b"),
    ("payment", r"\bchuyen khoan\b|\bthanh toan\b|\bquet ma\b|\bvi dien tu\b|\bmomo\b|\bthe (atm|ngan hang)\b|\btien mat\b",
     r"thanh toan|chuyen khoan|ngan hang|vi dien tu|tien mat"),
    ("percent", r"\b(bao nhieu|may) (phan tram|%)", r"phan tram"),  # "hưởng bao nhiêu phần trăm lương"
    # registering or filing late ("mất 2 tháng rồi giờ mới đi khai tử", "khai sinh quá hạn"): the
    # line about what a late filing costs or needs ("muon" alone is also "muốn", so never bare)
    ("late", r"\b(qua han|tre han|bi tre|(dang ky|khai|nop|lam|di) (muon|tre)|(gio|bay gio|nay|gio day) moi (di )?(dang ky|khai|lam|nop|bao)|(\d+|may|vai) (ngay|thang|nam) (roi|nay)( \w+){0,3} (chua|moi) (di|dang ky|khai|lam|nop|bao))\b",
     r"qua han|tre han|(dang ky|khai|nop|lam) (muon|tre|cham)|\bcham (nop|dang ky|khai)|tien cham"),
    # from when a card or paper can be used ("bao nhiêu ngày sau khi đóng tiền mới dùng được")
    ("valid_from", r"\b(bao lau|may ngay|bao nhieu ngay)( \w+){0,6} (moi|thi|la) (dung|su dung|co hieu luc|co gia tri|di kham)",
     r"gia tri su dung|co gia tri (tu|ke)|hieu luc|tu ngay"),
    # how long a right lasts ("được nghỉ tối đa bao nhiêu ngày", "ngừng tối đa bao lâu"), never
    # how long the office takes: a line with a number of days, months or years that is not a
    # deadline ("trong 10 ngày")
    ("duration", r"\bduoc (\w+ )?toi (da|thieu) (la )?(bao lau|may|bao nhieu)\b|\bduoc (bao lau|may (ngay|thang)|bao nhieu (ngay|thang))\b|\b(moi|mot|1) (nam|thang|dot|lan) (duoc )?(\w+ )?(toi da )?(bao nhieu|may) (ngay|thang|lan)\b|"
                 r"\b(nghi|ngung|tam ngung|huong|tam tru|tam vang|luu tru|dong cua|hoan)( \w+){0,3} (toi da )?(bao lau|may (ngay|thang|nam)|bao nhieu (ngay|thang|nam))\b",
     r"(?<!trong )(?<!vong )(?<!han )(?<!hon )\b\d+ ?(ngay|thang|nam)\b"),
)
_CUES = [(name, re.compile(q), re.compile(line)) for name, q, line in CUES]
# a quantity asked (how many days, months, years, per cent, at most...): a line that states a
# number with its unit, among the lines that share the question's detail words
_AMOUNT_ASKED = re.compile(r"\b(may|bao nhieu) (ngay|thang|nam|tuoi|lan|phan tram|tien)\b|\btoi (da|thieu)\b|\bit nhat\b|\bbao lau\b")
_AMOUNT_LINE = re.compile(r"\d+ ?(ngay|thang|nam|tuoi|lan|phan tram)\b|\d ?%|\btoi (da|thieu)\b")
AMOUNT_BONUS = 1.5
_AT_MOST_LINE = re.compile(r"^(?!.*\b(tro len|toi thieu|it nhat)\b).*?" + dict((n, line) for n, _, line in CUES)["duration"])
LEAD_LINES = 3  # the lines that lead a reply, at most
READ_LINES = 1  # of them, found by the encoder's reading alone
MIN_SCORE = 2.2  # idf-weighted shared words (a cue counts 3)
# cues about a time that is not how long the office takes: a deadline after an event, how long a
# right lasts, from when a paper can be used
NOT_PROCESSING = frozenset({"deadline", "duration", "valid_from", "late"})


@dataclass
class Fact:
    field: str  # time, fee, fee_note, document, step, where, authority, online, body
    text: str
    score: float = 0.0
    read: bool = False  # found by the encoder's reading (its closeness to the question), not by shared words


def procedure_facts(proc) -> List[Fact]:
    return [Fact(field, text) for field, text in procedure_units(proc)]


def document_facts(doc) -> List[Fact]:
    return [Fact(field, text) for field, text in document_units(doc)]


def _line_words(text: str) -> Words:
    """A fact's syllables, with "%" read as the words that state a share ("60%")."""
    return words(text.replace("%", " phần trăm"))


def naming_positions(question: Words, names: Sequence[str]) -> Set[int]:
    """Positions of the question's syllables that belong to a name of the record."""
    taken: Set[int] = set()
    flat = list(question.flat)
    for name in names:
        key = search_form(name).split()
        n = len(key)
        if not n:
            continue
        for i in range(len(flat) - n + 1):
            if flat[i:i + n] == key:
                taken.update(range(i, i + n))
    return taken


# "giải quyết trong mấy ngày": how long the office takes, not a deadline the citizen must meet
_PROCESSING = re.compile(r"\b(giai quyet|xu ly|co ket qua|tra ket qua|duyet) (xong )?(trong )?(vong )?(bao lau|may ngay|bao nhieu ngay)|"
                         r"\b(bao lau|may ngay|bao nhieu ngay) (thi |moi |se )?(co|xong|nhan|lay|duoc (cap|giai quyet|tra|duyet))\b")


def _asked_cues(question: str) -> List[Tuple[str, "re.Pattern"]]:
    """(cue name, the pattern of a line stating it) for each cue the question asks."""
    form = search_form(question)
    processing = bool(_PROCESSING.search(form))
    found = [(name, line) for name, q, line in _CUES if q.search(form) and not (name in NOT_PROCESSING and processing)]
    if len(found) > 1:  # "báo tử cho xã trong vòng bao nhiêu ngày": the office named is where, the deadline is asked
        found = [(name, line) for name, line in found if name != "place"] or found
    if any(name == "valid_from" for name, _ in found):  # "mấy ngày sau mới đi khám được": using the card, no health check
        found = [(name, line) for name, line in found if name != "health"]
    if re.search(r"\btoi da\b", form):  # the most allowed: a line stating a least ("từ 15 ngày trở lên") does not answer it
        found = [(name, _AT_MOST_LINE if name == "duration" else line) for name, line in found]
    return found


def cue_positions(asked: Words) -> Set[int]:
    """Positions of the syllables that ask a cue ("xuống nhà", "tối đa bao lâu"): what is asked,
    never an unknown detail."""
    from answering.vocab import pattern_spans

    found: Set[int] = set()
    for _, q, _ in _CUES:
        for span in pattern_spans(q, asked.flat):
            found.update(span)
    return found


def cues_in(question: str) -> List[str]:
    return [name for name, _ in _asked_cues(question)]


def _cues_stated(fact: Fact, form: str, cues: List[Tuple[str, "re.Pattern"]]) -> int:
    """How many of the asked cues the fact's line (accent-free `form`) states."""
    stated = 0
    for name, line_pattern in cues:
        if name in NOT_PROCESSING and (fact.field == "time" or "ngay lam viec" in form):
            continue  # a deadline after an event, or how long a right lasts, is not the processing time
        if name == "expiry" and fact.field in ("fee", "fee_note"):
            continue  # "mức giảm lệ phí hết hạn 31/12" is not how long the paper is valid
        if line_pattern.search(form):
            stated += 1
    return stated


def _detail_positions(asked: Words, names: Sequence[str]) -> List[int]:
    """The positions of the question's content words that do not name the record."""
    named = naming_positions(asked, names)
    return [i for i in asked.content if i not in named]


def asks_detail(question: str, names: Sequence[str]) -> bool:
    """The question asks something beyond naming the record: detail words or a cue."""
    return bool(_detail_positions(words(question), names) or _asked_cues(question))


def best_facts(question: str, facts: List[Fact], names: Sequence[str], limit: int = 2) -> List[Fact]:
    """The facts that answer the detail asked, best first ([] when none does)."""
    asked = words(question)
    detail = _detail_positions(asked, names)
    cues = _asked_cues(question)
    if not detail and not cues:
        return []
    vocab = vocabulary()
    amount = bool(_AMOUNT_ASKED.search(" ".join(asked.flat)))
    detail_words = {asked.flat[i] for i in detail}
    detail_pairs = {f"{asked.flat[i]}_{asked.flat[i + 1]}" for i in detail if i + 1 < len(asked.flat) and i + 1 in detail}
    scored = []
    for fact in facts:
        w = _line_words(fact.text)
        line_words = set(w.flat)
        score = sum(vocab.weight(t) for t in detail_words & line_words)
        score += len(detail_pairs & w.bigrams())
        form = " ".join(w.flat)
        score += 3.0 * _cues_stated(fact, form, cues)
        if score > 0 and amount and fact.field != "time" and _AMOUNT_LINE.search(form):
            score += AMOUNT_BONUS  # "nghỉ dưỡng sức mấy ngày": the line with the number of days
        if score >= MIN_SCORE:
            scored.append(Fact(fact.field, fact.text, score))
    scored.sort(key=lambda f: -f.score)
    if not scored:
        return []
    top = scored[0].score
    return [f for f in scored[:limit] if f.score >= max(MIN_SCORE, 0.75 * top)]


def cue_facts(question: str, facts: List[Fact]) -> List[Fact]:
    """The facts that state what the question's cues ask (an age, a condition, a deadline...)."""
    cues = _asked_cues(question)
    return [fact for fact in facts if _cues_stated(fact, " ".join(_line_words(fact.text).flat), cues)]


def lead_facts(question: str, facts: List[Fact], names: Sequence[str], shown: str = "",
               similarity: Optional[Callable[[List[str]], List[Optional[float]]]] = None) -> List[Fact]:
    """best_facts, leaving out what `shown` (the aspect answer) already says; then, when the
    question asks a detail and `similarity` (the encoder's cosine of the question to each fact's
    text, knowledge/retriever.py) is given, the lines the encoder reads closest to the question,
    up to LEAD_LINES in all. Shared words miss a line that says the same thing in other words
    ("được nghỉ mấy ngày" / "thời gian hưởng"); the encoder reads the accents the citizen typed."""
    shown_form = search_form(shown)
    found = [f for f in best_facts(question, facts, names, limit=3) if search_form(f.text) not in shown_form][:2]
    if similarity is None or not (found or asks_detail(question, names)):  # lines found by words: a detail was asked
        return found
    sims = similarity([f.text for f in facts])
    ranked = sorted(((s, i) for i, s in enumerate(sims) if s is not None), reverse=True)
    taken = {f.text for f in found}
    read = 0
    for sim, i in ranked:
        if len(found) >= LEAD_LINES or read >= READ_LINES:
            break
        fact = facts[i]
        if fact.text in taken or search_form(fact.text) in shown_form:
            continue
        found.append(Fact(fact.field, fact.text, sim, read=True))
        taken.add(fact.text)
        read += 1
    return found


def deadline_asked(question: str) -> bool:
    """A deadline after an event, how long a right lasts or from when a paper can be used is
    asked: not the processing time."""
    return bool(NOT_PROCESSING & set(cues_in(question)))

