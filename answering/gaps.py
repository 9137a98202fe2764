"""What a question asks that the record it names does not hold: a detail its text never mentions
("mức phạt", "hóa đơn điện tử"), a specific fact no line states (an age, a condition, a
deadline), or a neighbour the record says it is not for. The card is then replaced by an honest
"chưa nói về …" (answering.core)."""
from __future__ import annotations

import re
from typing import List, Optional, Set, Tuple

from answering import choose
from answering.facts import procedure_facts
from answering.vocab import FAMILY, PLACES, clauses, pattern_spans, shift_positions, words, written_together


# a first issue asked about a procedure that renews, replaces or re-registers something
_FIRST_TIME = re.compile(r"\blan dau\b")
UNKNOWN_DETAIL = 0.5  # share of the detail words (beyond the procedure's name) the record must explain
# how a paper was lost or spoilt ("sổ đỏ cháy mất", "giấy bị ướt nhòe", "chuột cắn rách"): the
# situation of a re-issue, never another subject ("hong" alone is also "không", so not here)
DAMAGE = (r"(bi )?(chay|uot|rach|nhoe|muc|nat)|moi (an|xong)|chuot (can|gam)|that lac|(bi|mat) trom|moc tui|"
          r"(lu|nuoc) (cuon|troi)|troi mat|hu hong|bi hu")
_AGE = r"\d{1,3} tuoi"  # an age told ("88 tuổi")
# words that tell the citizen's situation, not what they ask: family, places, where it happened
_SITUATION = re.compile(
    r"\b(" + FAMILY + r"|gia dinh|mo|noi|ngoai|benh vien|thanh pho|tp|hcm|que|nha|tinh|huyen|xa|phuong|thon|xom|ap|" + _AGE + "|"
    + DAMAGE + "|" + "|".join(PLACES) + r")\b"
)


def unknown_detail(proc, question: str, aspects: List[str]) -> List[str]:
    """The detail words the record says nothing about ("mức phạt", "hóa đơn điện tử"): the
    question is about this procedure, but not about anything its record holds."""
    from answering.facts import cue_positions, naming_positions
    from answering.vocab import vocabulary

    asked = words(question)
    detail = [i for i in asked.content if i not in naming_positions(asked, [proc.name, *proc.aliases])]
    if not detail:
        return []
    vocab = vocabulary()
    profile = vocab.profiles[proc.id]
    asking_a_cue = cue_positions(asked)  # "cán bộ xuống nhà chứng thực được không": the presence cue, checked below
    missing = [i for i in detail if not profile.explains(asked.flat[i], asked.typed[i], False) and i not in asking_a_cue]
    mostly_known = vocab.coverage(asked, proc.id, positions=detail) >= UNKNOWN_DETAIL
    # what makes it another question: a word that changes the subject ("phạt", "thuế", "khiếu
    # nại"), or a phrase the knowledge never uses ("hóa đơn điện tử"); a lone unusual word
    # ("cháy", "nát", "chụp") describes the citizen's situation and is not what they ask
    if choose.renews_only(proc.name) and pattern_spans(_FIRST_TIME, asked.flat):
        return ["lần đầu"]  # "thi lấy bằng lái lần đầu" is not "đổi bằng lái"
    renewal = _renewal_not_held(proc, asked)
    if renewal:  # "mất giấy xác nhận độc thân thì xin cấp lại": the record says nothing of a re-issue
        return [renewal]
    shifted = shift_positions(asked) & set(missing)
    if _asks_only_the_procedure(question, asked, missing):
        return []  # "giấy bị ướt nhòe, xin đổi cái mới thì làm sao?": the unknown words tell the situation
    phrase = any(i + 1 in missing and not vocab.known(asked.flat[i]) and not vocab.known(asked.flat[i + 1]) for i in missing)
    situation = situation_positions(asked)
    asking = [i for i in missing if i not in situation]
    if shifted or (phrase and not mostly_known):
        return _span(asked, asking or missing)
    # no aspect asked, and two or more words beyond the citizen's situation that the record never
    # uses: the question asks something else about this procedure ("tối đa bao nhiêu lao động")
    if not aspects and len(asking) >= 2 and not mostly_known:
        return _span(asked, asking)
    return []


# the unknown details that say the question is about another procedure of the same paper (a first
# issue asked of a re-issue's record, a re-issue asked of a first issue's): never half answered
ANOTHER_WAY = frozenset({"lần đầu", "cấp lại", "cấp đổi", "gia hạn", "đăng ký lại"})


def answerable_in_part(question: str, unknown: List[str], aspects: List[str]) -> bool:
    """The question asks an aspect the record holds (where, how long, what papers...) besides a
    detail it does not state: answer the aspect and say what the guide does not cover ("lấy bằng A1
    đăng ký ở đâu, có bắt buộc học ở trung tâm không"). Not when the detail is another way of getting
    the paper, nor when a word changes the subject: "bị phạt bao nhiêu tiền" asks the fine, not the fee."""
    if not unknown or not aspects or ANOTHER_WAY & set(unknown):
        return False
    asked = words(question)
    of, last = _asking_clause(question, asked)
    # a fine told as what happened before the question ("tuần rồi bị phạt. Giờ ... đăng ký ở đâu")
    return not any(not of or of[i] >= last for i in shift_positions(asked))


def _renewal_not_held(proc, asked) -> str:
    """The way of renewing the question asks ("cấp lại", "gia hạn"...), when no text of the record
    says it: the record is about a first issue only."""
    from answering.vocab import procedure_texts

    asked_ways = choose.renewals(" ".join(asked.flat))
    if not asked_ways:
        return ""
    held = choose.renewals(" ".join(" ".join(words(t).flat) for t in procedure_texts(proc) if t))
    missing = sorted(asked_ways - held)
    if not missing or missing == ["doi"]:  # "đổi" alone is too common a word to read as a renewal
        return ""
    return {"cap lai": "cấp lại", "cap doi": "cấp đổi", "gia han": "gia hạn", "dang ky lai": "đăng ký lại"}.get(missing[0], "")


def situation_positions(asked) -> Set[int]:
    """Positions of the words that tell the citizen's situation (family, places, where it
    happened): never what they ask."""
    return {i for span in pattern_spans(_SITUATION, asked.flat) for i in span}


def _asking_clause(question: str, asked) -> Tuple[List[int], int]:
    """(the clause of each syllable, the last clause with a subject word), or ([], -1) when the
    question has no subject word."""
    of = clauses(question)
    if len(of) != len(asked.flat) or not asked.content:
        return [], -1
    return of, max(of[i] for i in asked.content)


def _asks_only_the_procedure(question: str, asked, missing: List[int]) -> bool:
    """Every word the record does not explain (`missing`, in order) is in a clause before the
    last one with subject words: the situation told before the question, not what it asks."""
    of, last = _asking_clause(question, asked)
    return bool(missing) and last > 0 and of[missing[-1]] < last


def asked_by_name(question: str, proc) -> bool:
    """The clause that asks (the last one with subject words) holds only words that name the
    procedure (its title, aliases and example questions), an aspect and who it is for: "ông tôi
    mất đêm qua, đăng ký khai tử thì mang giấy gì?". What comes before it tells the situation
    and does not change the procedure."""
    from answering.facts import naming_positions
    from answering.vocab import vocabulary

    asked = words(question)
    of, last = _asking_clause(question, asked)
    named = naming_positions(asked, [proc.name, *proc.aliases])
    if last <= 0:
        # one clause: asked by name only when every subject word is of the procedure's name or
        # says for whom or where ("còn khai tử thì sao?", "khai tử thì xã giải quyết trong bao
        # lâu"), not a situation told in the same breath
        situation = situation_positions(asked)
        return (any(i in named for i in asked.content) and all(i in named or i in situation for i in asked.content)
                and not shift_positions(asked))
    in_last = [i for i in asked.content if of[i] == last]
    if not any(i in named for i in in_last):
        return False
    if shift_positions(asked):
        return False
    situation = situation_positions(asked)  # for whom, where
    identity = vocabulary().identities.get(proc.id)  # what names it: title, aliases, example questions
    return all(i in named or i in situation or (identity is not None and identity.explains(asked.flat[i], asked.typed[i], asked.accented))
               for i in in_last)


# what a cue asks, in the citizen's words, and the aspects that already answer it
_CUE_ASKS = {
    "age": ("độ tuổi", set()),
    "eligible": ("điều kiện, đối tượng được làm", set()),
    "deadline": ("thời hạn phải làm", {"time"}),
    "expiry": ("thời hạn sử dụng", {"time"}),
    "health": ("khám sức khỏe", {"documents"}),
    "proxy": ("nhờ người khác làm thay", set()),
    "duration": ("được tối đa bao lâu (số ngày, số tháng)", {"time"}),
    "who": ("ai là người phải đi làm", set()),
    "payment": ("cách thanh toán (chuyển khoản, tiền mặt...)", {"fee", "online"}),
    "percent": ("mức hưởng bao nhiêu phần trăm", {"fee"}),
    "valid_from": ("từ khi nào thì dùng được", {"time", "fee"}),  # "sau khi đóng tiền" tells the event, it asks no fee
    "late": ("làm muộn, quá hạn thì sao", {"time", "fee"}),
}


def unanswered_cue(proc, question: str, aspects: List[str]) -> List[str]:
    """A specific fact asked (an age, a condition, a deadline after an event, how long a paper is
    valid...) that no line of the record states, with no other aspect asked: the card would
    answer something else, so say what we do not know."""
    from answering.facts import cue_facts, cues_in

    asked = [c for c in cues_in(question) if c in _CUE_ASKS and not (c == "age" and _age_told(question))]
    if not asked:
        return []
    implied: Set[str] = set()
    for cue in asked:
        implied |= _CUE_ASKS[cue][1]
    if set(aspects) - implied:
        return []
    if cue_facts(question, procedure_facts(proc)):
        return []
    return [_CUE_ASKS[asked[0]][0]]


_AGE_TOLD = re.compile(r"\b" + _AGE + r"\b")


def _age_told(question: str) -> bool:
    """Every age in the question is a number told before the clause that asks ("ông tôi 88 tuổi,
    mắt kém, ... điểm chỉ được không"): who it is for, not an age asked."""
    asked = words(question)
    of, last = _asking_clause(question, asked)
    if last <= 0:
        return False
    ages = [i for i, w in enumerate(asked.flat) if w == "tuoi"]
    told = {span[-1] for span in pattern_spans(_AGE_TOLD, asked.flat)}
    return bool(ages) and all(i in told and of[i] < last for i in ages)


def quotable(question: str, unknown: List[str]) -> str:
    """The words to quote back ("mức phạt"), when the citizen wrote them together; a scatter of
    words from across a long question ("khac hon kho khan phat") reads worse than none."""
    phrase = " ".join(unknown[:6])
    # compared accent-free: "lần đầu" (ours) stands for "lan dau" as typed
    return phrase if written_together(phrase, words(question)) else ""


def _span(asked, positions: List[int]) -> List[str]:
    """The words as typed from the first to the last position ("thuê tối đa mấy nhân công"),
    or only those words when the span is long."""
    first, last = min(positions), max(positions)
    if last - first < 6:
        return list(asked.typed[first:last + 1])
    return [asked.typed[i] for i in sorted(positions)]


def not_for(proc, question: str) -> Optional[tuple]:
    """(the words as the record lists them, what to say) when the question names a neighbour the
    record says it is not for ("quán phở" asked of the agricultural food-safety certificate)."""
    asked = words(question)
    for item in proc.not_for:
        for phrase in item.get("words") or []:
            if written_together(str(phrase), asked):
                return str(phrase), str(item.get("say") or "")
    return None
