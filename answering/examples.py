"""How close a question is to questions already labelled (knowledge/questions.py): to those about
the record (or registry procedure) an answer would give, to those about other records, and to
those no record answers.

Citizens who need the same procedure describe the same situations ("bằng cấp 3 bị cháy, xin bản
sao ở trường"), in words the record's own text rarely uses. A question the encoder puts close to
questions labelled with the record it is about to answer is evidence the card is right; one close
to questions about another record, or to referrals, is evidence against it. The verifier
(answering/verify.py) and the second look (answering/rescue.py) read the closest similarity and
its lead.

The fits and the benchmarks score each evaluation set with its own questions left out of the bank
(`leaving_out`), so a question is never its own evidence.
"""
from __future__ import annotations

import contextlib
import functools
import math
import threading
from typing import Callable, Dict, Iterator, Optional

from knowledge.questions import NONE

FLOOR = 0.7  # the similarity when no labelled question carries the label (the encoder's cosines sit above it)
# how close the closest question with the label is, and its lead over the closest with another label
# or none: a question far from every labelled one has a small lead, not a large one (the raw
# similarity to the others read as evidence made a question unlike any other look certain)
FEATURES = ("example_agree", "example_lead")
# how many of the closest labelled questions carry the label, and their share weighted by closeness
# (the second look reads them: one close question may be a coincidence, several agreeing are not)
VOTE_FEATURES = ("example_votes", "example_count")
VOTERS = 10  # the closest labelled questions read
VOTE_WIDTH = 0.01  # a question this much less close than the closest weighs 1/e as much (e5's cosines are compressed)
# how close a labelled question must be to describe the same situation: a voter with no label sits
# here, so a question no labelled question is this close to ("đi chợ mua cá về có phải đăng ký
# không", 0.89 at best) gives no label a majority, and the second look proposes the label of the
# closest only from this close (on the fits' training halves no right proposal was less close)
CLOSE = 0.9
_left_out = threading.local()


@contextlib.contextmanager
def leaving_out(origin: Optional[str]) -> Iterator[None]:
    """Within the block, labelled questions whose origin starts with `origin` ("fresh3/") are not
    read (None: all are)."""
    before = getattr(_left_out, "prefix", None)
    _left_out.prefix = origin
    try:
        yield
    finally:
        _left_out.prefix = before


def _read(question: str, retriever=None):
    """(cosine of `question` to each labelled question, the labelled questions, whether each may be
    read: not left out by `leaving_out`), in the bank's order."""
    if retriever is None:
        from answering.search import get_retriever

        retriever = get_retriever()
    prefix = getattr(_left_out, "prefix", None)
    items = retriever.example_items
    readable = [not (prefix and item.get("from", "").startswith(prefix)) for item in items]
    return retriever.example_similarities(question), items, readable


def evidence(question: str, wanted: str, retriever=None) -> Dict[str, float]:
    """{example_agree, example_lead}: the highest cosine of `question` to a labelled question
    carrying the label `wanted` (a record id, or `label_of_code(code)`), and how far it is ahead of
    the highest to one carrying only other records or codes, or to one no record answers."""
    sims, items, readable = _read(question, retriever)
    agree = other = none = FLOOR
    same = _meaning(wanted)
    for sim, item, ok in zip(sims.tolist(), items, readable):
        if not ok:
            continue
        labels = item["labels"]
        if same.intersection(labels):
            agree = max(agree, sim)
        elif labels == [NONE]:
            none = max(none, sim)
        else:
            other = max(other, sim)
    return {"example_agree": agree, "example_lead": agree - max(other, none)}


def votes(question: str, wanted: str, retriever=None) -> Dict[str, float]:
    """{example_votes, example_count}: among the VOTERS labelled questions closest to `question`
    (and a voter without label at CLOSE), the closeness-weighted share of those carrying the
    label `wanted`, and their share by count."""
    sims, items, readable = _read(question, retriever)
    order = [i for i in sims.argsort()[::-1].tolist() if readable[i]][:VOTERS]
    if not order:
        return {"example_votes": 0.0, "example_count": 0.0}
    same = _meaning(wanted)
    closest = float(sims[order[0]])
    weights = [math.exp((float(sims[i]) - closest) / VOTE_WIDTH) for i in order]
    carrying = [bool(same.intersection(items[i]["labels"])) for i in order]
    total = sum(weights) + math.exp((CLOSE - closest) / VOTE_WIDTH)
    return {"example_votes": sum(w for w, c in zip(weights, carrying) if c) / total,
            "example_count": sum(carrying) / VOTERS}


def _meaning(wanted: str) -> set:
    """The labels a labelled question about `wanted` may carry: `wanted`, and the codes the
    registry says that record covers."""
    return {wanted, *(label for label, record in _covered().items() if record == wanted)}


@functools.lru_cache(maxsize=1)
def _covered() -> Dict[str, str]:
    """The label of each registry-only code a full record also covers -> that record (the
    registry's `covered_by`: a question about 1.014064, cấp lại thẻ căn cước, is about the
    record cap-the-can-cuoc too)."""
    from knowledge.questions import label_of_code
    from knowledge.registry import load_registry

    return {label_of_code(e.code): e.covered_by for e in load_registry() if e.code and e.covered_by}


def nearest_record(question: str, usable: Callable[[str], bool], retriever=None) -> Optional[str]:
    """The first `usable` record id among the labels of the labelled question closest to
    `question` that has one (None when none has)."""
    sims, items, readable = _read(question, retriever)
    for i in sims.argsort()[::-1].tolist():
        if not readable[i]:
            continue
        found = next((label for label in items[i]["labels"] if usable(label)), None)
        if found:
            return found
    return None
