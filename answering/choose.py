"""Which record the citizen means.

In order of evidence:
1. a button's payload (exact ids);
2. a name or alias the question contains (the catalog's, or the registry's when that is longer
   and so more specific: "đăng ký lại khai sinh" is not "đăng ký khai sinh"); a generic name
   shared by several procedures ("sổ đỏ") is settled by the other words of the question, or
   asked with buttons;
3. the procedure in context, when the question adds nothing the record does not explain
   ("làm online được không?", "có cần khám sức khỏe không?");
4. retrieval, but only a record that explains the question's subject words (vocab.coverage):
   the thesaurus may explain an everyday word for the record it names, never outvote a name.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from answering.model import Context, Nlu
from answering.vocab import PLACES, Profile, Words, clause_numbers, pattern_spans, shift_positions, situation_explained, vocabulary, who_and_where, words
from knowledge.catalog import default_matcher
from knowledge.normalize import NATIONALITIES, THESAURUS, has_marks, normalize_text, search_form, strip_accents, thesaurus_terms

# Names that several procedures share: the question's other words must say which one is meant.
SHARED_NAMES = frozenset({
    "so do", "so hong", "gcn", "giay chung nhan", "giay chung nhan quyen su dung dat", "chuyen muc dich su dung dat",
    "so do so hong", "giay do", "bia do", "bia hong",
    "tien mai tang", "mai tang phi", "tro cap mai tang",  # five procedures pay funeral costs, each to its own group
})
COVERAGE = 0.7  # share of the subject words a record must explain to be answered from
TOP_COVERAGE = 0.5  # ... or this share, for the record retrieval ranks first
SHORT_FOLLOW_UP = 3  # subject words in a follow-up that may keep the context when most are explained
IDENTITY = 0.5  # ... and the share its name, aliases or example questions must explain
SETTLING_MARGIN = 1.0  # IDF weight by which the other words must favour one procedure of a shared name


@dataclass
class Choice:
    via: str  # button | named | registry | context | search | ambiguous | none
    record_id: Optional[str] = None
    kind: Optional[str] = None  # procedure | doc | registry
    candidates: List[str] = field(default_factory=list)  # for "ambiguous"
    confidence: float = 0.0
    entry: Any = None  # the registry entry
    considered: List[Dict[str, Any]] = field(default_factory=list)
    said: Tuple[str, ...] = ()  # by `named`: every procedure name or alias the question says (matcher keys)


def _registry_matcher():
    try:
        from knowledge.registry import default_registry_matcher
    except ImportError:  # no registry shipped
        return None
    return default_registry_matcher()


@functools.lru_cache(maxsize=None)
def name_keys(pid: str) -> Tuple[str, ...]:
    """A procedure's name and aliases, each as its accent-free syllables joined by spaces."""
    proc = default_matcher().procedures[pid]
    return tuple(" ".join(words(n).flat) for n in [proc.name, *proc.aliases])


def _alias_tokens(pid: str) -> Set[str]:
    proc = default_matcher().procedures[pid]
    tokens: Set[str] = set()
    for alias in [proc.name, *proc.aliases]:
        tokens.update(re.sub(r"[^0-9a-z]+", " ", strip_accents(alias)).split())
    return tokens


def _sharing(key: str) -> List[str]:
    """Procedures with a name or alias containing `key` as whole words."""
    return list(_sharing_once(key))


@functools.lru_cache(maxsize=8192)  # the matcher (default_matcher) is built once per process too
def _sharing_once(key: str) -> Tuple[str, ...]:
    pids: List[str] = []
    for other_key, pid in default_matcher()._keys:  # noqa: SLF001 - the matcher's own keys
        if f" {key} " in f" {other_key} " and pid not in pids:
            pids.append(pid)
    return tuple(pids)


def _settle_shared(key: str, question: Words, first: str) -> Tuple[Optional[str], List[str]]:
    """A generic name: the procedure whose other alias words the question uses, if one does
    (read with the accents typed: "ở đâu" is not "lần đầu")."""
    candidates = _sharing(key)
    if len(candidates) < 2:
        return first, []
    key_words = set(key.split())
    positions = set(question.content) | {i for i, w in enumerate(question.flat) if w in ("lai", "doi", "dau", "tach", "hop", "ban", "mua", "tang")}
    asked = {(question.flat[i], question.typed[i]) for i in positions if question.flat[i] not in key_words}
    vocab = vocabulary()  # rare words weigh more: "khuyết tật" says more than "nhận"
    scores = {}
    for pid in candidates:
        profile = _alias_profile(pid)
        scores[pid] = sum(vocab.weight(flat) for flat, typed in asked if profile.explains(flat, typed, question.accented))
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] - ranked[1] >= SETTLING_MARGIN:
        return max(scores, key=scores.get), []
    return None, candidates


def settle_shared(keys: Sequence[str], text: str, candidates: Sequence[str]) -> Optional[str]:
    """The one of `candidates` (records sharing a name among `keys`) whose other alias words `text`
    uses, as `_settle_shared` reads a question; None when the words do not settle it."""
    asked = words(text)
    for key in keys:
        pid, _ = _settle_shared(key, asked, candidates[0])
        if pid in candidates:
            return pid
    return None


@functools.lru_cache(maxsize=None)
def _alias_profile(pid: str) -> Profile:
    proc = default_matcher().procedures[pid]
    return Profile.of(pid, [proc.name, *proc.aliases])


def _catalog_twin(name: str) -> str:
    """The catalog record a registry entry is part of, when every word of the entry's name is a
    word of that record's names ("Cấp lại thẻ căn cước" is in "Cấp, đổi, cấp lại thẻ căn cước";
    "Đăng ký lại khai sinh" is not in "Đăng ký khai sinh")."""
    proc = default_matcher().find(name)
    if proc is None:
        return ""
    entry_words = set(words(name).flat) - {"thu", "tuc"}
    return proc.id if entry_words <= _alias_tokens(proc.id) else ""


def _combining(asked: Words, spans) -> Optional[str]:
    """A record whose names explain every procedure named in the question (a linked procedure).
    Two names must be said apart: overlapping spans are one name read two ways ("mất giấy đăng ký
    xe máy" is the lost registration, not a third record that happens to share its words)."""
    if not any(p1 != p2 and (b1 <= a2 or b2 <= a1) for p1, _, a1, b1 in spans for p2, _, a2, b2 in spans):
        return None
    positions = sorted({i for _, _, a, b in spans for i in range(a, b)})
    content = [i for i in positions if i in set(asked.content)]
    if not content:
        return None
    vocab = vocabulary()
    best = [pid for pid in default_matcher().procedures if vocab.coverage(asked, pid, identity=True, positions=content) >= 0.99]
    named_ids = {pid for pid, _, _, _ in spans}
    best = [pid for pid in best if pid not in named_ids]
    return best[0] if len(best) == 1 else None


_NOT_DONE = re.compile(r"\b(chua|khong)( co| tung| he)?( (dang ky|lam|di|duoc|lam thu tuc|di dang ky))?$"
                       # ... or already done: "đã đk nvqs ở quê, giờ ... tạm vắng"
                       r"|\bda( (dang ky|lam|co|nop|xin|duoc cap|di dang ky))?$"
                       # ... or a purpose: "muốn có lại giấy báo tử để làm sổ đỏ" asks about the death record
                       r"|\bde( (lam|nop|xin|bo sung|hoan thien|hoan tat|lo))?( (ho so|thu tuc|giay))?$")
# a name followed by "rồi" is something already done ("con trai cưới vợ rồi, giờ muốn tách hộ")
_DONE_AFTER = re.compile(r"^((xong|lau|duoc \w+) )?roi\b")


def _tokens(text: str) -> List[str]:
    """The accent-free tokens the procedure matcher reads (ProcedureMatcher.find_all's positions)."""
    return re.sub(r"[^0-9a-z]+", " ", search_form(text)).split()


_TOKEN = re.compile(r"[0-9a-z]+")


def _token_clauses(text: str) -> List[int]:
    """The clause (0, 1, ...) of each of `_tokens(text)`, as vocab.clauses counts them."""
    return clause_numbers(search_form(text), _TOKEN)


def _negated(tokens: Sequence[str], first: int, end: Optional[int] = None) -> bool:
    """The tokens before position `first` say it was not done, already done, or that it is what
    the paper asked for is needed for; or the tokens after `end` say it is done ("cưới vợ rồi")."""
    if end is not None and _DONE_AFTER.search(" ".join(tokens[end:end + 3])):
        return True
    if first > 0 and tokens[first - 1] == "dang" and tokens[first] in ("huong", "linh"):
        return True  # a benefit being received tells the situation: "ông tôi đang hưởng lương hưu vừa mất"
    return bool(_NOT_DONE.search(" ".join(tokens[max(0, first - 6):first])))


_RESIDENCE_NAMES = frozenset({"ho khau", "so ho khau", "thuong tru", "tam tru", "noi thuong tru"})
_RESIDENCE = re.compile(r"\b(" + "|".join(sorted(_RESIDENCE_NAMES, key=len, reverse=True)) + r")\b")
_PLACE_AFTER = re.compile(r"^(o |tai |thuoc )?(que|(xa|phuong|tinh|huyen|thanh pho|tp) \w+|" + "|".join(PLACES) + r")\b")


def _residence_told(tokens: Sequence[str], key: str, end: int) -> bool:
    """A residence word (`key`, ending before position `end`) followed by a place ("hộ khẩu Thanh
    Hóa", "thường trú ở quê"): the citizen says where someone lives, not which procedure they ask about."""
    return key in _RESIDENCE_NAMES and bool(_PLACE_AFTER.search(" ".join(tokens[end:end + 5])))


def _residence_positions(asked: Words) -> Set[int]:
    """Positions of the residence words told with a place ("hộ khẩu Thanh Hóa")."""
    return {i for span in pattern_spans(_RESIDENCE, asked.flat)
            if _residence_told(asked.flat, " ".join(asked.flat[span.start:span.stop]), span.stop) for i in span}


def _only_negated(tokens: Sequence[str], names: Sequence[str]) -> bool:
    """Every place the question (its `tokens`) says one of `names` is said as not done."""
    starts = []
    for name in names:
        key = _tokens(name)
        starts += [i for i in range(len(tokens) - len(key) + 1) if key and list(tokens[i:i + len(key)]) == key]
    return bool(starts) and all(_negated(tokens, i) for i in starts)


def _matched_length(names: Sequence[str], asked: Words) -> int:
    padded = f" {' '.join(asked.flat)} "
    keys = [" ".join(words(n).flat) for n in names]
    return max((len(k) for k in keys if k and f" {k} " in padded), default=0)


@functools.lru_cache(maxsize=4096)  # the matcher reads every name and alias: once per question
def names_found(question: str) -> tuple:
    """ProcedureMatcher.find_all for the question: (procedure id, key, first, end) of each name."""
    return tuple(default_matcher().find_all(question))


def named(question: str, nlu: Nlu) -> Choice:
    """The record the question names (catalog or registry), or an ambiguity, or nothing; the
    names it says go with the choice (`Choice.said`)."""
    matcher = default_matcher()
    if nlu.from_button:
        ids = [p for p in nlu.procedures if p in matcher.procedures]
        if ids:
            return Choice("button", ids[0], "procedure", confidence=1.0)
    matches = list(names_found(question))
    choice = _named_by(question, nlu, matches)
    choice.said = tuple(dict.fromkeys(key for _, key, _, _ in matches))
    return choice


def _named_by(question: str, nlu: Nlu, matches) -> Choice:
    """`named`, from the names and aliases the matcher found in the question."""
    matcher = default_matcher()
    asked = words(question)
    # keep the longest matches: an alias inside a longer one of another procedure does not count
    spans = [(pid, key, a, b) for pid, key, a, b in matches
             if not any((a2 <= a and b <= b2) and (b2 - a2) > (b - a) for _, _, a2, b2 in matches)]
    # "nhận cha con khi chưa đăng ký kết hôn", "... để làm sổ đỏ": a procedure said as not done, or
    # as what the paper is needed for, tells the situation
    tokens = _tokens(question)
    said = [span for span in spans if not _negated(tokens, span[2], span[3])]
    spans = said or spans
    # "anh ấy hộ khẩu Thanh Hóa": where someone is registered tells the situation, it names no procedure
    spans = [span for span in spans if not _residence_told(tokens, span[1], span[3])]
    best_len = max((len(key) for _, key, _, _ in spans), default=0)
    registry = _registry_matcher()
    entry = registry.find(question) if registry else None
    if entry is not None and not _only_negated(tokens, [entry.name, *entry.aliases]):
        entry_len = _matched_length([entry.name, *entry.aliases], asked)
        if entry_len > best_len:
            record = getattr(entry, "record", "") or _catalog_twin(entry.name)
            if record in matcher.procedures:
                twin = _qualified_twin(record, name_keys(record), question)
                return Choice("named", twin or record, "procedure", confidence=0.95)
            return Choice("registry", entry.code or entry.name, "registry", confidence=0.9, entry=entry)
    if not spans:
        # NLU's entity, when it is a catalog id the text itself did not show (rare spellings)
        ids = [p for p in nlu.procedures if p in matcher.procedures]
        return Choice("named", ids[0], "procedure", confidence=0.7) if ids else Choice("none")
    pids: List[str] = []
    for pid, key, _, _ in sorted(spans, key=lambda s: -len(s[1])):
        if pid not in pids:
            pids.append(pid)
    top_key = max(spans, key=lambda s: len(s[1]))[1]
    if len(pids) > 1:
        combined = _combining(asked, spans)
        if combined:  # "khai sinh kèm hộ khẩu và thẻ bảo hiểm": the record that joins them
            return Choice("named", combined, "procedure", confidence=0.85)
    if len(pids) == 1 or all(len(key) < len(top_key) for pid, key, _, _ in spans if pid != pids[0]):
        if top_key in SHARED_NAMES:
            pid, candidates = _settle_shared(top_key, asked, pids[0])
            if pid is None:
                pid = _renewing_as_asked(question, candidates)  # "sổ đỏ bị mối ăn, xin cấp đổi"
            if pid is None:
                return Choice("ambiguous", candidates=candidates, confidence=0.5)
            return Choice("named", pid, "procedure", confidence=0.85)
        said_keys = [key for pid, key, _, _ in spans if pid == pids[0]]
        # the twins of the name said; else of any of its names ("đăng ký hộ kinh doanh ... đóng cửa")
        twin = _qualified_twin(pids[0], said_keys, question) or _qualified_twin(pids[0], name_keys(pids[0]), question, cases_only=True)
        return Choice("named", twin or pids[0], "procedure", confidence=0.95)
    return Choice("ambiguous", candidates=pids[:4], confidence=0.5)


# what makes a procedure a narrower twin of another of the same name: (the question says it, accent-
# free, after thesaurus terms; the twin's names say it); a "\\1" in the second refers to the first
QUALIFIERS = (
    (r"\bnuoc ngoai\b", r"(yeu to|voi nguoi) nuoc ngoai"),  # "kết hôn với người Hàn Quốc"
    (r"\b(?:duoi|chua du|chua den) (\d+)\b", r"duoi \1 tuoi"),  # "căn cước cho bé dưới 14"
    (r"\b(sua chua|sua lai|sua nha|cai tao|nang (them )?tang|noi (them )?tang)\b", r"sua chua|cai tao"),  # "nâng thêm tầng"
    (r"\bthay doi\b|\bdoi (?:nguoi|chu|ten|dia chi|nganh)\b|\bsang ten\b|\b(?:bo sung|them) nganh\b", r"\bthay doi\b"),  # "thay đổi ngành nghề", "đổi người đại diện" of a household business
    # a pause: "tạm nghỉ bán", or a stop for a stated time ("đóng cửa khoảng 4 tháng", "nghỉ tầm một năm rưỡi")
    (r"\btam (?:nghi|ngung|dung|dong cua)\b|\b(?:nghi|ngung|dong cua)\b(?: \w+){0,3} (?:\d+|mot|hai|ba|bon|nam|sau|vai|may|nua) "
     r"(?:ngay|tuan|thang|nam)\b", r"\btam ngung\b"),
    # ending it for good ("đóng cửa", "nghỉ hẳn", "thôi làm giám hộ"), not a pause ("tạm nghỉ")
    (r"(?<!\btam )\b(?:cham dut|giai the|nghi han|nghi luon|dong cua|thoi (?:lam|kinh doanh|ban)|(?:khong|ko|k) (?:lam|ban|kinh doanh) nua)\b",
     r"\bcham dut\b"),
    (r"\b(?:het han|qua han)\b", r"\bgia han\b"),  # "tạm trú sắp hết hạn": extending it
    # the funeral of someone who drew an allowance ("tiền lo đám" reads as "mai táng" in the thesaurus)
    (r"\bmai tang\b", r"\bho tro (?:chi phi )?mai tang\b"),
    # the register kept at the commune lost or burnt ("sổ lưu ở xã bị mối xông"): registering again
    (r"\bso (?:luu|goc|sach|ho tich)\b.{0,40}?\b(?:mat|chay|moi (?:xong|an)|khong con|hu|uot|lu)\b"
     r"|\b(?:khong con|mat|chay|het) (?:luu )?(?:so|so luu|so goc|so sach)\b", r"\bdang ky lai\b"),
)
# a first issue asked ("thi lấy bằng lần đầu") of a procedure that only renews or replaces
FIRST_ISSUE = re.compile(r"\blan dau\b|\bthi lay\b")
RENEWAL = re.compile(r"\b(doi|cap lai|cap doi|gia han|dang ky lai)\b")


def first_issue_of_renewal(name: str, said: str) -> bool:
    """A first issue asked ("lần đầu", "thi lấy" in the accent-free `said`) of a procedure whose
    name only renews or replaces: never that procedure (a record here, a registry entry in core)."""
    return bool(FIRST_ISSUE.search(said)) and renews_only(name)


def renews_only(name: str) -> bool:
    """The procedure only renews, replaces or re-registers (its name says so, and no first issue)."""
    flat = search_form(name)  # with its commas: "Cấp, đổi, cấp lại" also issues
    return bool(RENEWAL.search(flat)) and not re.search(r"\bcap\b(?! (lai|doi)\b)", flat)


# syllables the cases of QUALIFIERS and RENEWAL read accent-free, with the one accented form they
# mean: typed with other accents they are another word ("sinh đôi": twins, not "đổi"; "đời", "đội")
CASE_WORDS_TYPED = {"doi": "đổi", "tam": "tạm", "nghi": "nghỉ"}


def _said(question: str) -> str:
    """The question's syllables, accent-free, with the thesaurus terms it brings ("người nước ngoài"
    for "chồng người Hàn"): what the cases of QUALIFIERS and the foreign element are read in. A case
    word typed with other accents than its own is left out ("sinh đôi" is no change of anything)."""
    said = words(" ".join([question, *thesaurus_terms(question)]))
    return " ".join("_" if flat in CASE_WORDS_TYPED and has_marks(typed) and typed != CASE_WORDS_TYPED[flat] else flat
                    for flat, typed in zip(said.flat, said.typed))


def context_twin(pid: str, question: str) -> Optional[str]:
    """The procedure of the same name as `pid` (the one in context) narrowed to what a follow-up
    asks: "giờ em nghỉ hẳn thì làm gì" after đăng ký hộ kinh doanh is its ending."""
    return _qualified_twin(pid, name_keys(pid), question) if pid in default_matcher().procedures else None


def _qualified_twin(picked: str, keys: Sequence[str], question: str, cases_only: bool = False) -> Optional[str]:
    """The procedure of the same name narrowed to the question's case (a foreign element, an age
    under N, repairs, a change, an ending, a lost register, a first issue), when exactly one such
    twin exists and the procedure picked is not already that case. `cases_only`: only the cases
    QUALIFIERS name."""
    said = _said(question)
    procs = default_matcher().procedures
    sharing = sorted({pid for key in keys for pid in _sharing(key)} - {picked})
    names = {pid: " ".join(name_keys(pid)) for pid in [picked, *sharing]}
    for asked_pattern, name_pattern in QUALIFIERS:
        found = re.search(asked_pattern, said)
        if not found:
            continue
        wanted = re.compile(found.expand(name_pattern) if found.groups() else name_pattern)
        if wanted.search(names[picked]):
            return None
        twins = [pid for pid in sharing if wanted.search(names[pid])]
        if len(twins) > 1:  # "đăng ký lại khai tử" and its foreign twin: the one no other case narrows
            # (read with the cases whose name pattern has no backslash: the foreign element, repairs)
            twins = [pid for pid in twins if not any(re.search(name, names[pid]) and not re.search(asked, said)
                                                     for asked, name in QUALIFIERS if "\\" not in name)]
        if len(twins) == 1:
            return twins[0]
    if cases_only:  # the cases QUALIFIERS name, not the ways of renewing or the ages
        return None
    renewal = _renewal_twin(said, picked, sharing, names)
    if renewal:  # "giấy chứng nhận hộ kinh doanh bị rách, xin cấp lại": the re-issue, not the first issue
        return renewal
    age = _younger_twin(said, picked, sharing, names)
    if age:  # "căn cước cho con 5 tuổi": the procedure for children under 14
        return age
    if first_issue_of_renewal(procs[picked].name, said):
        twins = [pid for pid in sharing if not RENEWAL.search(" ".join(words(procs[pid].name).flat))]
        # several first issues (a licence, an international one): the one whose name shares most words
        asked = set(said.split())
        scores = {pid: len(asked & set(words(procs[pid].name).flat)) for pid in twins}
        best = max(scores.values(), default=0)
        winners = [pid for pid, score in scores.items() if score == best]
        if len(winners) == 1:
            return winners[0]
    return None


_RENEWAL_ASKED = re.compile(r"\b(cap lai|cap doi|gia han|dang ky lai)\b|(?<!thay )\bdoi\b")


def renewals(flat: str) -> Set[str]:
    """The ways of renewing an accent-free text says ("cap lai", "doi"...)."""
    return {m.group(0) for m in _RENEWAL_ASKED.finditer(flat)}


def _renewal_twin(said: str, picked: str, sharing: Sequence[str], names: Dict[str, str]) -> Optional[str]:
    """The one procedure of the same name whose name renews the way the question asks ("cấp
    lại", "cấp đổi", "gia hạn", "đăng ký lại", "đổi"), when the procedure picked does not renew
    that way ("bằng lái bị mất, cấp lại": not "đổi bằng lái")."""
    asked = renewals(said)
    if not asked or asked & renewals(names[picked]):
        return None
    twins = [pid for pid in sharing if asked & renewals(names[pid])]
    return twins[0] if len(twins) == 1 else None


def _renewing_as_asked(question: str, candidates: Sequence[str]) -> Optional[str]:
    """Among procedures of one shared name, the only one whose names renew the way the question
    asks ("cấp đổi", "cấp lại"...), else None."""
    asked = renewals(" ".join(words(question).flat))
    fits = [pid for pid in candidates if asked & renewals(" ".join(name_keys(pid)))] if asked else []
    return fits[0] if len(fits) == 1 else None


_AGE = re.compile(r"\b(\d{1,2}) tuoi\b")
_UNDER = re.compile(r"\bduoi (\d{1,2}) tuoi\b")
# an age the question states as the person's own ("con tôi 16 tuổi"), not a limit ("dưới 14 tuổi")
_STATED_AGE = re.compile(r"(?<!duoi )(?<!chua du )\b(\d{1,2}) tuoi\b")


def too_old_for(pid: str, question: str) -> bool:
    """The record is for people under an age ("dưới 14 tuổi") and the question states one age at or
    above it ("con tôi 16 tuổi"): never the record that question means."""
    if pid not in default_matcher().procedures:
        return False
    ages = [int(a) for a in _STATED_AGE.findall(" ".join(words(question).flat))]
    limits = [int(limit) for limit in _UNDER.findall(" ".join(name_keys(pid)))]
    return len(ages) == 1 and bool(limits) and all(ages[0] >= limit for limit in limits)


def _younger_twin(said: str, picked: str, sharing: Sequence[str], names: Dict[str, str]) -> Optional[str]:
    """The one procedure of the same name for people under an age the question's age is below
    ("con 5 tuổi" -> "dưới 14 tuổi"), when the procedure picked is not for an age itself."""
    ages = [int(a) for a in _AGE.findall(said)]
    if len(ages) != 1 or _UNDER.search(names[picked]):
        return None
    twins = [pid for pid in sharing if any(ages[0] < int(limit) for limit in _UNDER.findall(names[pid]))]
    return twins[0] if len(twins) == 1 else None


def thesaurus_positions(question: Words) -> List[Tuple[Set[int], str]]:
    """(positions of an everyday phrase in the question, the knowledge's words for it)."""
    accented = question.accented
    seq = question.typed if accented else question.flat
    found = []
    for variants, canonical in THESAURUS:
        for variant in variants:
            key = words(variant)
            key_seq = key.typed if accented else key.flat
            n = len(key_seq)
            for i in range(len(seq) - n + 1):
                if tuple(seq[i:i + n]) == tuple(key_seq):
                    found.append((set(range(i, i + n)), canonical))
    return found


def coverage(question: Words, record_id: str, phrases: Sequence[Tuple[Set[int], str]],
             also_explained: Set[int] = frozenset()) -> Tuple[float, float]:
    """(share of the subject words the record explains, share its identity explains);
    `also_explained`: positions to count as explained for any record."""
    vocab = vocabulary()
    # who the question is for and where they live explain nothing and count against no record
    # ("nhờ con gái ở Sài Gòn đóng lệ phí giùm"), unless they are all the question says
    extra: Set[int] = set(situation_explained(question)) | set(also_explained)
    for positions, canonical in phrases:  # an everyday phrase is explained for the record it names
        canon = words(canonical)
        if canon.content and vocab.coverage(canon, record_id, identity=True) >= 0.8:
            extra |= positions
    return vocab.coverage(question, record_id, extra), vocab.coverage(question, record_id, extra, identity=True)


def follows_context(question: str, ctx: Context) -> bool:
    """The question is about the procedure in context: it adds no subject word that record
    does not explain."""
    if not ctx.procedure or ctx.procedure not in default_matcher().procedures:
        return False
    asked = words(question)
    # who it is for, where they live and where someone is registered tell the situation, not a new subject
    told = who_and_where(asked) | _residence_positions(asked)
    coverage = vocabulary().coverage(asked, ctx.procedure, extra_explained=told)
    # a short follow-up that mostly fits ("có cần mang sổ bảo hiểm không?"): still this procedure,
    # and what its record does not say is answered as such, not from another record
    subject = [i for i in asked.content if i not in told]
    return coverage >= 0.99 or (len(subject) <= SHORT_FOLLOW_UP and coverage >= 0.5)


def _enough_explained(asked: Words, record_id: str) -> bool:
    """Two subject words explained, or every one when there are fewer ("tuổi" alone in "xem
    tử vi tuổi Tý" is not a question about the pension)."""
    content = asked.content
    profile = vocabulary().profiles.get(record_id)
    if profile is None:
        return False
    accented = asked.accented
    explained = sum(1 for i in content if profile.explains(asked.flat[i], asked.typed[i], accented))
    return explained >= min(2, len(content))


def _retrieved_closely(result) -> bool:
    """Retrieval's own evidence that the record is close (settings: RETRIEVAL_MIN_DENSE for the
    encoder, RETRIEVAL_MIN_LEXICAL): shared syllables alone ("trị mụn" against "bảo trì") are not."""
    from common.settings import get_settings

    settings = get_settings()
    dense, lexical = result.dense, result.lexical
    return (dense >= settings.retrieval_min_dense or lexical >= settings.retrieval_min_lexical
            or (dense >= settings.retrieval_min_dense - 0.1 and lexical >= settings.retrieval_min_lexical / 1.8))


def _shift_unexplained(asked: Words, record_id: str) -> bool:
    profile = vocabulary().profiles.get(record_id)
    accented = asked.accented
    return profile is None or any(not profile.explains(asked.flat[i], asked.typed[i], accented) for i in shift_positions(asked))


def from_search(question: str, results, intent_topics: Optional[Set[str]] = None) -> Choice:
    """The best retrieved record that covers the question (in the retriever's order; the
    intent's topic first among near-equals)."""
    asked = words(question)
    phrases = thesaurus_positions(asked)
    considered = []
    covered = []
    for rank, result in enumerate(results):
        cov, ident = coverage(asked, result.id, phrases)
        considered.append({"id": result.id, "kind": result.kind, "score": round(result.score, 4), "coverage": round(cov, 3),
                           "identity": round(ident, 3), "dense": round(result.dense, 3), "lexical": round(result.lexical, 2)})
        # the record ranked first may leave more unexplained, but never a word that changes the subject
        needed = TOP_COVERAGE if rank == 0 and not _shift_unexplained(asked, result.id) else COVERAGE
        if cov >= needed and ident >= IDENTITY and _enough_explained(asked, result.id) and _retrieved_closely(result):
            covered.append((rank, cov, result))
    # only a record ranked near the top (a record far down that happens to share a word is not it)
    top = results[0].score if results else 0.0
    covered = [c for c in covered if c[0] < 4 and c[2].score >= 0.6 * top]
    if not covered:
        return Choice("none", considered=considered)
    best = covered[0]
    if intent_topics:
        for item in covered[:3]:
            if item[2].topic in intent_topics and item[2].score >= 0.8 * best[2].score:
                best = item
                break
    rank, cov, result = best
    kind = "procedure" if result.kind == "procedure" else "doc"
    return Choice("search", result.id, kind, confidence=round(0.5 + 0.4 * cov - 0.05 * rank, 3), considered=considered)


def subject_of(question: str) -> str:
    """The words of the question that name its subject, as typed (for "no guidance on …")."""
    asked = words(question)
    content = asked.content
    if not content:
        return ""
    typed = normalize_text(question).split()
    span = asked.typed[content[0]:content[-1] + 1]
    if len(span) > 8:
        return ""
    text = " ".join(span)
    # keep the citizen's capitalisation where the words are found as typed
    joined = " ".join(typed)
    start = joined.lower().find(text)
    return joined[start:start + len(text)] if start >= 0 else text


# officials asked to come to the family ("cán bộ xã có xuống tận nhà không", "lưu động"): the
# civil-status procedures have a mobile twin in the registry ("Đăng ký khai tử lưu động")
_MOBILE = re.compile(r"\bluu dong\b|\b(can bo|xa|uy ban|ubnd|tu phap)\b.*\b(xuong|den|toi|ve|vao|len|ra) (tan )?(nha|noi o|noi|ban|benh vien)\b")


def mobile_twin(pid: str, question: str):
    """The registry's mobile ("lưu động") procedure of the procedure `pid` names, when the
    question asks officials to come to the family; else None."""
    if not _MOBILE.search(search_form(question)):
        return None
    registry = _registry_matcher()
    if registry is None:
        return None
    from knowledge.registry import load_registry

    base = re.sub(r"\s*\(.*?\)", "", default_matcher().procedures[pid].name).strip()
    wanted = search_form(f"{base} lưu động")
    return next((e for e in load_registry() if e.code and search_form(e.name) == wanted), None)


# a foreign element in a procedure's name, and the words that state one in a question (with the
# thesaurus, which adds "người nước ngoài" for a nationality: "chồng người Hàn", "việt kiều")
_FOREIGN_NAME = re.compile(r"\s*\bco yeu to nuoc ngoai\b")
# a foreign element said: abroad, a foreign nationality, or a person, place or embassy of a country
# (normalize.NATIONALITIES, the thesaurus's list, and "tq"); not a bare "anh": "người anh" is a brother
_COUNTRIES = "|".join(sorted({strip_accents(c) for c in NATIONALITIES} | {"tq", "anh quoc", "vuong quoc anh"}, key=len, reverse=True))
_FOREIGN_ASKED = re.compile(
    r"\bnuoc ngoai\b|\bviet kieu\b|\bngoai quoc\b|\bquoc tich\b|\bdinh cu\b|\bxuat khau lao dong\b|\bxkld\b|"
    rf"\b(?:nguoi|ben|tai|sinh o|song o|ho chieu|dai su quan|lanh su) (?:{_COUNTRIES})\b")


def foreign_unstated(name: str, question: str) -> bool:
    """The procedure is the foreign-element twin ("... có yếu tố nước ngoài") and the question says
    nothing foreign: "con tôi người Tày theo mẹ, muốn đổi dân tộc" is the plain procedure."""
    if not _FOREIGN_NAME.search(search_form(name)):
        return False
    return not _FOREIGN_ASKED.search(_said(question))


@functools.lru_cache(maxsize=1)
def _plain_names() -> Dict[str, str]:
    """Each record's and registry entry's name in a comparable form (accent-free, no punctuation),
    to the record (or, without one, the registry code) of that name."""
    from knowledge.catalog import load_procedures
    from knowledge.registry import load_registry

    out: Dict[str, str] = {}
    for entry in load_registry():
        if entry.code:
            out.setdefault(_comparable(entry.name), entry.record or entry.code)
    for pid, proc in load_procedures().items():
        out[_comparable(proc.name)] = pid
    return out


def _comparable(name: str) -> str:
    """Accent-free, without what brackets add ("(kết hôn với người nước ngoài)") or punctuation."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", re.sub(r"\([^)]*\)", " ", search_form(name))).split())


def plain_twin(name: str) -> Optional[str]:
    """The record (or registry code) of the same procedure without its foreign element, if one."""
    plain = _comparable(_FOREIGN_NAME.sub("", search_form(name)))
    return _plain_names().get(plain)


# "có cần (xin) giấy xác nhận độc thân (trước) không": whether a paper is needed, asked around its name
_NEEDED_BEFORE = re.compile(r"\b(can|phai|bat buoc)( (xin|lam|co|mang|nop|dem|lay|ra))?( \w+)?$")
_NEEDED_AFTER = re.compile(r"^((truoc|theo|kem|nua|khong|ko|k|chua|hay)\b|$)")


def paper_of(question: str, named_id: str, others: Sequence[str]) -> Optional[str]:
    """The procedure among `others` (the one in context, or another the question names) whose list
    of papers holds the record `named_id` the question names as a paper it may need ("đăng ký kết
    hôn … có cần giấy xác nhận độc thân không": a paper of the marriage, not the single-status
    certificate's own procedure); None when the question asks for that record itself."""
    matcher = default_matcher()
    tokens, clause = _tokens(question), _token_clauses(question)
    spans = [(a, b) for pid, _, a, b in names_found(question) if pid == named_id]
    # the words around the name, in its own clause only
    around = lambda a, b: (" ".join(t for i, t in enumerate(tokens[max(0, a - 4):a], max(0, a - 4)) if clause[i] == clause[a]),  # noqa: E731
                           " ".join(t for i, t in enumerate(tokens[b:b + 2], b) if clause[i] == clause[b - 1]))
    if not spans or not any(_NEEDED_BEFORE.search(before) and _NEEDED_AFTER.search(after)
                            for before, after in (around(a, b) for a, b in spans)):
        return None
    for other in others:
        if not other or other == named_id or other not in matcher.procedures:
            continue
        papers = " ".join(str(d) for d in matcher.procedures[other].documents)
        if any(pid == named_id for pid, _, _, _ in names_found(papers)):
            return other
    return None
