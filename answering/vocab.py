"""Words of a question and of a record: which words carry the subject, how rare each is in the
knowledge, and how much of a question a record explains.

A question is split into syllables (accent-free for matching, with the accents as typed kept
beside them). Register, question and aspect words ("cho em hỏi", "bao lâu", "lệ phí", "thủ tục")
carry no subject; what is left is the subject and the detail asked. A record *explains* a word
when the word occurs in it; the share of a question's subject words a record explains, each
weighted by its rarity in the whole knowledge (IDF), is the record's coverage. An answer is only
given from a record that covers the question: that is what keeps a card about another subject
from being shown with confidence.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from knowledge.normalize import expand_abbreviations, has_marks, normalize_text, strip_accents

_SYLLABLE = re.compile(r"\w+", re.UNICODE)

# Accent-free words that say nothing about the subject: register, function and question words,
# the aspects of any procedure, and the words of any administrative request.
GENERIC = frozenset("""
gom v ha ah ak ok oke uk nha hen chu dong ghi nguoi cai chiec mang biet giup_do nguoi_ta bay_gio dau kieu tam thoi nhanh cham som luon ngay_mai hom_nay vui_long
a à ạ ad admin ai anh ban bạn bao bay be bi bo bong buoc ca cac cach can chi cho chua chut co con
cua cung da dang day de den di dieu do du duoc em gan gap gi gio giup hay het hien hieu hoi hom hong
huong k khi khong kia ko la lai lam lau len ma may minh moi mot muon nao nay ne neu nghe nhe nhi
nhieu nho nhu nhung noi nua o oi ong phai qua ra rang roi ru sao se sau sach tai tham the thi thoi
thuc thuoc tien to toi tra trong tu tuc uh va vao van vay ve vi voi vui xem xin xong online phi ngay
gio tuan thang nam buoc quy trinh dang ky cap giay nop tren duoi khoang khoan lay sap nen theo them vua gium alo chao hoac xiu ro bat
""".split())
# Syllables that are generic without accents but, typed this way in a question that has accents,
# are another word that carries a subject: "thi" (an exam, not "thì"), "chó" (a dog, not "cho")
SUBJECT_AS_TYPED = frozenset("""
thi chó chợ bò cá tù tủ mả đá lá cỏ cờ bể hổ sâu đau dầu bán bàn cân lãi nền
""".split())
# ... and the reverse: syllables that carry a subject without accents ("doi": đổi, to change) but,
# typed this way, are generic ("đợi": to wait)
GENERIC_AS_TYPED = frozenset("đợi sẵn".split())
# Pairs of syllables that are generic together although one of them alone is not ("hồ sơ":
# "hồ"/"hộ", "sơ"/"sổ"; "mất bao lâu": "mất" as time or money, not "lose").
GENERIC_PAIRS = frozenset("""
ho_so giay_to thu_tuc bao_lau bao_nhieu le_phi chi_phi thoi_gian truc_tuyen huong_dan the_nao lam_sao
nhu_the o_dau dang_ky co_quan xu_ly giai_quyet toi_dau mat_bao mat_may mat_phi mat_tien het_bao ton_bao so_tien can_gi
ket_qua het_han chuan_bi dung_ra khac_nhau trach_nhiem gia_tri su_dung loai_giay
""".split())

# where the citizen does it from: the online aspect of any procedure, not its subject
DOING_IT_FROM = re.compile(r"\b(lam|nop|dang ky|khai) (tren|qua|bang) (dien thoai|app|ung dung|mang|may tinh|laptop)\b|"
                           r"\b(ngoi|o|tai) nha (lam|nop|dang ky|khai)\b")

# what can be asked of any procedure: sending someone else, going in person, the form, doing it
# online, where to hand it in (accent-free, after abbreviations)
# "hộ" that starts a noun ("làm hộ chiếu", "làm hộ khẩu", "hộ kinh doanh"), not "for someone"
NOT_A_HOUSEHOLD = r"(?! (so|chieu|khau|kinh doanh|tich|ngheo|can ngheo|gia dinh|dan|tro)\b)"
_ANY_PROCEDURE = re.compile(
    r"\b(nho|de|cho) (nguoi|ai|con|vo|chong|ban)( \w+)? (di )?(nop|lam|lay|nhan) (ho|thay|giup|gium)\b" + NOT_A_HOUSEHOLD
    + r"|\b(nop|lam|lay|nhan|di) (ho|thay)\b" + NOT_A_HOUSEHOLD + r"|"
    r"\buy quyen\b|\bnguoi (nha|than|khac)\b|\bto khai\b|\bmau (don|to khai)\b|\btai (ve|o dau)\b|"
    r"\b(den|ra|len) tan noi\b|\bqua mang\b|\btren mang\b|\btruc tiep\b|\b(uy ban|cong an)\b|"
    # a photocopy or the original ("nộp bản photo được không hay phải mang bản gốc")
    r"\bban (photo|pho to|goc|chinh)\b|\bphoto\b"
)

# words that turn a question into another subject (penalties, taxes, courts, foreigners...)
TOPIC_SHIFT = re.compile(
    # "thue" accent-free is also "thuê" (rent): not where a home, a room or a car is rented
    r"\b(phat|(?<!cho )(?<!di )(?<!dang )thue(?! (nha|phong|tro|can ho|dat|xe|oto|o to|mat bang|cua hang|ky tuc xa)\b)|khieu nai|to cao|khoi kien|toa an|boi thuong|tranh chap|vay von|hoa don|ly hon|visa|thi thuc|"
    r"hoc phi|luong|tien an|xu ly vi pham|nuoc ngoai|nguoi nuoc ngoai|trom|cuop)\b"
)
# the same, as typed with accents: "thuê" (rent) is not "thuế" (tax)
TOPIC_SHIFT_TYPED = re.compile(
    r"\b(phạt|thuế|khiếu nại|tố cáo|khởi kiện|tòa án|bồi thường|tranh chấp|vay vốn|hóa đơn|ly hôn|visa|thị thực|"
    r"học phí|lương|tiền án|xử lý vi phạm|nước ngoài|người nước ngoài|trộm|cướp)\b"
)


# family words, accent-free: who the question is for ("mẹ tôi", "con gái tôi")
FAMILY = "bo|me|cha|ba|ong|con|trai|gai|vo|chong|chau|anh|chi|em|co|chu|bac|di|cau|thim|ruot"
# provinces and cities (the 63 before the 2025 merger, as citizens still name them), accent-free
PLACES = """ha noi|ha giang|cao bang|bac kan|tuyen quang|lao cai|dien bien|lai chau|son la|yen bai|hoa binh|
thai nguyen|lang son|quang ninh|bac giang|phu tho|vinh phuc|bac ninh|hai duong|hai phong|hung yen|thai binh|ha nam|
nam dinh|ninh binh|thanh hoa|nghe an|ha tinh|quang binh|quang tri|thua thien hue|hue|da nang|quang nam|quang ngai|
binh dinh|phu yen|khanh hoa|ninh thuan|binh thuan|kon tum|gia lai|dak lak|dak nong|lam dong|binh phuoc|tay ninh|
binh duong|dong nai|ba ria vung tau|vung tau|ho chi minh|sai gon|long an|tien giang|ben tre|tra vinh|vinh long|
dong thap|an giang|kien giang|can tho|hau giang|soc trang|bac lieu|ca mau""".replace("\n", "").split("|")
_WHO_AND_WHERE = re.compile(r"\b(" + FAMILY + r"|thanh pho|tp|hcm|" + "|".join(PLACES) + r")\b")


@dataclass(frozen=True)
class Words:
    """A text's syllables: accent-free (`flat`) and as typed (`typed`, lowercase NFC)."""

    flat: tuple
    typed: tuple
    # the citizen typed accents, read before abbreviations are expanded: "hong" -> "không" does
    # not make an accent-free question accented
    accented: bool

    @functools.cached_property  # a Words never changes, and every record's coverage reads it
    def content(self) -> Tuple[int, ...]:
        """Positions of the syllables that are not generic."""
        paired = set()
        for i, pair in enumerate(zip(self.flat, self.flat[1:])):
            if "_".join(pair) in GENERIC_PAIRS:
                paired.update((i, i + 1))
        for span in pattern_spans(DOING_IT_FROM, self.flat):  # "làm trên điện thoại": the online aspect
            paired.update(span)
        accented = self.accented
        return tuple(i for i, w in enumerate(self.flat)
                     if (w not in GENERIC or (accented and self.typed[i] in SUBJECT_AS_TYPED)) and i not in paired and not w.isdigit()
                     and self.typed[i] not in GENERIC_AS_TYPED)

    def bigrams(self) -> Set[str]:
        return {f"{a}_{b}" for a, b in zip(self.flat, self.flat[1:])}


def shift_positions(question: "Words") -> Set[int]:
    """Positions of the words that change the subject ("phạt", "thuế", "người nước ngoài"),
    read with their accents where the citizen typed accents ("thuê" is not "thuế")."""
    found: Set[int] = set()
    for span in pattern_spans(TOPIC_SHIFT_TYPED, question.typed):
        found.update(span)
    for span in pattern_spans(TOPIC_SHIFT, question.flat):
        # accent-free, a word counts only where the citizen typed it without accents
        if not any(has_marks(question.typed[i]) for i in span):
            found.update(span)
    return found


def pattern_spans(pattern: "re.Pattern", syllables: Sequence[str]) -> List[range]:
    """The syllable positions of each match of `pattern` in the syllables joined by spaces."""
    text = " ".join(syllables)
    spans = []
    for match in pattern.finditer(text):
        first = text[:match.start()].count(" ")
        spans.append(range(first, first + match.group(0).count(" ") + 1))
    return spans


_CLAUSE_BREAK = re.compile(r"[,.;:!?\n]")


def clauses(text: str) -> List[int]:
    """The clause (0, 1, ...) of each syllable of `words(text)`: a new clause after each comma,
    full stop, colon, semicolon, question mark or line break."""
    return clause_numbers(expand_abbreviations(normalize_text(text or "")).lower(), _SYLLABLE)


def clause_numbers(text: str, token: "re.Pattern") -> List[int]:
    """The clause (0, 1, ...) of each match of `token` in `text`, as `clauses` counts them."""
    out, clause, end = [], 0, 0
    for match in token.finditer(text):
        if out and _CLAUSE_BREAK.search(text[end:match.start()]):
            clause += 1
        out.append(clause)
        end = match.end()
    return out


@functools.lru_cache(maxsize=32768)  # a Words never changes; the rules read the same texts' words many times a turn
def words(text: str) -> Words:
    """Syllables of `text` after normalisation and abbreviation expansion (cccd, gplx, dk...)."""
    normalized = normalize_text(text or "")
    typed = tuple(_SYLLABLE.findall(expand_abbreviations(normalized).lower()))
    return Words(tuple(strip_accents(w) for w in typed), typed, has_marks(normalized))


@dataclass
class Profile:
    """The words of one record, for coverage: accent-free and accented."""

    record_id: str
    flat: FrozenSet[str]
    typed: FrozenSet[str]

    @classmethod
    def of(cls, record_id: str, texts: Iterable[str]) -> "Profile":
        flat: Set[str] = set()
        typed: Set[str] = set()
        for text in texts:
            w = words(text)
            flat.update(w.flat)
            typed.update(w.typed)
        return cls(record_id, frozenset(flat), frozenset(typed))

    def explains(self, flat: str, typed: str, accented: bool) -> bool:
        """A word is explained when the record has it: with its accents when the citizen typed
        accents ("mất" is not "mát"), accent-free otherwise."""
        if accented and has_marks(typed):
            return typed in self.typed
        return flat in self.flat


class Vocabulary:
    """IDF of every accent-free syllable over the records' texts; each record's words (all its
    text) and its identity's words (what names it: title, aliases, example questions)."""

    def __init__(self, profiles: Dict[str, Profile], identities: Optional[Dict[str, Profile]] = None,
                 names: Optional[Profile] = None) -> None:
        self.profiles = profiles
        self.identities = identities or {}
        # the words that name something (a procedure's or a registry entry's names and aliases, a
        # document's title): only those can say which subject a question is about
        self.names = names
        counts: Dict[str, int] = {}
        for profile in profiles.values():
            for w in profile.flat:
                counts[w] = counts.get(w, 0) + 1
        self.n = max(len(profiles), 1)
        self.idf = {w: math.log(1 + self.n / c) for w, c in counts.items()}
        self.unknown_idf = math.log(1 + self.n)  # a word no record has: as rare as can be

    def weight(self, flat: str) -> float:
        return self.idf.get(flat, self.unknown_idf)

    def known(self, flat: str) -> bool:
        return flat in self.idf

    def coverage(self, question: Words, record_id: str, extra_explained: Iterable[int] = (), identity: bool = False,
                 positions: Optional[Iterable[int]] = None) -> float:
        """Share of the question's subject words (IDF-weighted) the record explains (`identity`:
        the words that name it); 1.0 when the question has none. `extra_explained`: positions
        explained otherwise (a thesaurus term that names this record)."""
        profile = (self.identities if identity else self.profiles).get(record_id)
        content = question.content if positions is None else [i for i in question.content if i in set(positions)]
        if not content:
            return 1.0
        if profile is None:
            return 0.0
        accented = question.accented
        extra = set(extra_explained)
        missing = {i for i in content if i not in extra and not profile.explains(question.flat[i], question.typed[i], accented)}
        total = explained = 0.0
        for i in content:
            weight = self.weight(question.flat[i])
            if not self.known(question.flat[i]) and i - 1 not in missing and i + 1 not in missing:
                weight = 1.0  # a lone word the knowledge never uses: colloquial ("rành", "hả"), not a subject
            elif self.names is not None and not self.names.explains(question.flat[i], question.typed[i], accented):
                weight = min(weight, 1.0)  # a word that names nothing ("hẳn", "rành"): it describes, not a subject
            total += weight
            if i not in missing:
                explained += weight
        return explained / total if total else 1.0



def procedure_texts(proc) -> List[str]:
    notes = [str(n.get("text", "")) for n in proc.fee_notes if isinstance(n, dict)]
    online = proc.online or {}
    return [proc.name, proc.id.replace("-", " "), *proc.aliases, proc.authority, proc.where, proc.processing_time,
            proc.fee, *notes, *proc.documents, *proc.steps, online.get("level", ""), online.get("note", ""),
            proc.uncertain_note, *proc.legal_basis]


def _document_texts(doc) -> List[str]:
    return [doc.title, doc.summary, *doc.questions, doc.body]


def _procedure_identity(proc) -> List[str]:
    return [proc.name, proc.id.replace("-", " "), *proc.aliases]


def _document_identity(doc) -> List[str]:
    headings = [line.lstrip("#").strip() for line in doc.body.splitlines() if line.startswith("#")]
    return [doc.title, doc.summary, *doc.questions, *headings]


@functools.lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    from knowledge.catalog import load_procedures
    from knowledge.documents import load_documents

    profiles = {pid: Profile.of(pid, procedure_texts(p)) for pid, p in load_procedures().items()}
    profiles.update({did: Profile.of(did, _document_texts(d)) for did, d in load_documents().items()})
    identities = {pid: Profile.of(pid, _procedure_identity(p)) for pid, p in load_procedures().items()}
    identities.update({did: Profile.of(did, _document_identity(d)) for did, d in load_documents().items()})
    names = [text for p in load_procedures().values() for text in [p.name, *p.aliases]]
    names += [d.title for d in load_documents().values()] + _registry_names()
    return Vocabulary(profiles, identities, Profile.of("", names))


def _registry_names() -> List[str]:
    try:
        from knowledge.registry import load_registry
    except ImportError:  # no registry shipped
        return []
    return [text for entry in load_registry() for text in [entry.name, *entry.aliases]]


def who_and_where(question: Words) -> Set[int]:
    """Positions of the words that say who the question is for or where they live ("mẹ tôi",
    "con gái ở Sài Gòn"): the citizen's situation, not the subject asked about."""
    return {i for span in pattern_spans(_WHO_AND_WHERE, question.flat) for i in span}


def written_together(phrase: str, question: Words) -> bool:
    """The phrase's syllables stand next to each other, in order, in the question (accent-free:
    "lần đầu" is written in "lam lan dau")."""
    return f" {' '.join(words(phrase).flat)} " in f" {' '.join(question.flat)} "


def situation_explained(question: Words) -> Set[int]:
    """The who-and-where positions, to count as explained for any record: the citizen's situation
    is not what they ask, unless it is all the question says."""
    situation = who_and_where(question)
    return situation if set(question.content) - situation else set()


def only_what_any_procedure_asks(asked: Words) -> bool:
    """Every subject word of the question is something asked of any procedure (who may hand it
    in, the form, online or in person, which office): no procedure is said."""
    return _only(asked, _ANY_PROCEDURE)


# how the citizen pays: asked of the procedure in context ("có chuyển khoản được không?"); with
# nothing in context the guides on paying fees online answer it
_PAYING = re.compile(r"\b(bang|qua) (chuyen khoan|the|tien mat|vi dien tu|momo|ngan hang)\b|\bchuyen khoan\b|\bthanh toan\b|\bquet (ma( qr)?|the( atm| ngan hang)?)\b|\bvi dien tu\b|\bmomo\b|\bzalo ?pay\b|"
                     r"\bthe (atm|ngan hang|tin dung)\b|\b(internet|mobile) banking\b|\bngan hang\b|\btien mat\b|\bdong tien\b|\btra tien\b")


def only_how_to_pay(asked: Words) -> bool:
    """Every subject word of the question says how to pay ("chuyển khoản", "quét mã", "tiền mặt")."""
    return _only(asked, _PAYING)


def _only(asked: Words, pattern: "re.Pattern") -> bool:
    covered = {i for span in pattern_spans(pattern, asked.flat) for i in span}
    return bool(covered) and all(i in covered for i in set(asked.content) - who_and_where(asked))
