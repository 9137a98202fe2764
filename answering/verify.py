"""Doubt about an answer card: how likely the record chosen is not what the question is about.

The rules of `choose` pick a record; on questions nobody on the team had seen, one card in five was
about another record (eval/README.md, round 8). This module reads the evidence behind a card (how
the record was chosen, what share of the question its words explain, where retrieval ranks it and
how close the encoder puts it) and returns a probability that the card is wrong, from a logistic
regression fitted on labelled questions by `benchmarks/verifier_fit.py` (weights in
`verifier.json` beside this file). A card in doubt becomes a referral that offers the record as a
button: the citizen who meant it gets it with one tap, the one who did not is not told a wrong fact
with a source and a date.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from answering import examples
from answering.logistic import CLIP, load, probability, standard  # noqa: F401 (CLIP, standard: the scale)
from answering.model import Answer, Context
from answering.vocab import vocabulary, who_and_where, words

WEIGHTS = Path(__file__).with_name("verifier.json")
RANKED = 6  # results retrieval returns (core._search); a record not among them has rank RANKED
VIAS = ("named", "search", "context")
FEATURES = ("rank", "coverage", "identity", "subject_words", "dense", "lexical", "score", "unexplained", "unknown", "accented", "had_context", "dense_margin",
            "via_named", "via_search", "via_context", "document", *examples.FEATURES, *examples.VOTE_FEATURES)


def features(question: str, card: Answer, before: Context, results: Sequence) -> Dict[str, float]:
    """The evidence behind `card` (a procedure or document answer to `question`, given the
    context `before` it and the retrieval `results` for the question)."""
    from answering import choose

    rid = card.record_id
    asked = words(question)
    cov, ident = choose.coverage(asked, rid, choose.thesaurus_positions(asked))
    ids = [r.id for r in results]
    rank = ids.index(rid) if rid in ids else RANKED
    mine = results[rank] if rank < len(results) else None
    other_dense = max((r.dense for r in results if r.id != rid), default=0.0)
    vocab = vocabulary()
    profile = vocab.profiles.get(rid)
    content = asked.content
    situation = who_and_where(asked)  # who it is for and where they live: never what is asked
    unexplained = sum(1 for i in content if i not in situation
                      and (profile is None or not profile.explains(asked.flat[i], asked.typed[i], asked.accented)))
    via = (card.considered[0].get("via") if card.considered else None) or "search"
    dense = mine.dense if mine else 0.0
    values = {
        "rank": rank, "coverage": cov, "identity": ident, "subject_words": len(content),
        "dense": dense, "lexical": mine.lexical if mine else 0.0, "score": mine.score if mine else 0.0,
        "unexplained": unexplained,
        "unknown": sum(1 for i in content if not vocab.known(asked.flat[i])), "accented": asked.accented,
        "had_context": bool(before.procedure or before.answer_id), "dense_margin": dense - other_dense,
        **{f"via_{v}": via == v for v in VIAS}, "document": card.kind == "document",
        **examples.evidence(question, rid),  # how close it is to questions labelled with this record, or not
        **examples.votes(question, rid),  # how many of the closest labelled questions carry this record
    }
    return {name: float(values[name]) for name in FEATURES}


@functools.lru_cache(maxsize=1)
def _model() -> Optional[dict]:
    return load(WEIGHTS, FEATURES, "benchmarks/verifier_fit.py")


def doubt(values: Dict[str, float]) -> float:
    """The probability that the card is about another record (0 when no model is fitted)."""
    model = _model()
    return 0.0 if model is None else probability(model, FEATURES, values)


def threshold() -> float:
    """ANSWER_DOUBT_THRESHOLD when set, else the one fitted with the model (1.0: never doubt)."""
    from common.settings import get_settings

    configured = get_settings().answer_doubt_threshold
    if configured:
        return configured
    model = _model()
    return model["threshold"] if model else 1.0


def in_doubt(values: Dict[str, float]) -> bool:
    return doubt(values) >= threshold()


def fitted_summary() -> List[str]:
    """What the fitted model was measured at (for `dvc-bot` and the benchmarks)."""
    model = _model()
    return list(model.get("measured", [])) if model else []
