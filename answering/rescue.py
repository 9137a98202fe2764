"""A second look at a referral: the record or registry procedure the question most likely means,
answered when a model fitted on labelled questions is confident enough.

The rules of `choose`, the verifier and `gaps` refer a question whenever its words do not name a
record clearly. Citizens describe their situation more often than they name a procedure ("quán
cơm nhà tôi dẹp hẳn, muốn trả giấy phép"), so many referrals offer, as a button, the very record
the citizen meant. This module reads, for a referral given with nothing in context:

- the record retrieval ranks first (a procedure or a guide), with the verifier's evidence about
  it (`verify.features`, which includes how close the question is to labelled questions about it:
  answering/examples.py), the verifier's doubt, and how close the encoder puts the nearest
  registry-only procedure;
- the record of the closest labelled question, when retrieval ranked another first and that
  question is close (`examples.CLOSE`), with the same evidence;
- the registry-only procedure the encoder puts closest, with how much of the question its words
  explain (`registry_match`) and its lead over the next one;
- the registry-only procedure of the closest labelled question that carries one, when it is
  another and that question is close, with the same evidence (a citizen who describes a situation already asked about
  means the same procedure more often than the one whose wording the encoder puts closest);

Each candidate also carries how many of the closest labelled questions carry its label, and their
closeness-weighted share (`examples.votes`). The layer scores each with a logistic regression (one for records, one for the registry) fitted by
`benchmarks/rescue_fit.py` (weights in `rescue.json` beside this file) on labelled evaluation
questions. The candidate with the higher probability is answered when that probability reaches its fitted threshold; otherwise the
referral stands. What kind of referral it was (the gate, the verifier's doubt, a detail the record
lacks) is part of the evidence.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

from answering import examples
from answering.logistic import probability
from answering.model import Answer, Context
from knowledge.questions import code_of_label, label_of_code

WEIGHTS = Path(__file__).with_name("rescue.json")
BASES = ("gate", "doubt", "gap")
RECORD_FEATURES = ("rank", "coverage", "identity", "subject_words", "dense", "lexical", "score", "unexplained",
                   "unknown", "accented", "dense_margin", "document", "doubt", "registry_dense", "registry_margin",
                   "score_margin", "same_as_referred", *(f"base_{b}" for b in BASES), *examples.FEATURES,
                   *examples.VOTE_FEATURES)
REGISTRY_FEATURES = ("dense", "dense_margin", "coverage", "identity", "words_rank", "words_margin", "record_dense",
                     "record_margin", "record_coverage", "record_identity", "subject_words", "accented", *(f"base_{b}" for b in BASES),
                     *examples.FEATURES, *examples.VOTE_FEATURES)


@dataclass
class Candidates:
    """What a second look reads for one referral: the record retrieval ranks first (id, kind,
    features), the record of the closest labelled question when it is another, and the registry
    procedure (code, features), each possibly absent."""

    record: Optional[str] = None
    record_values: Optional[Dict[str, float]] = None
    # the record of the closest labelled question (answering/examples.py), when not `record`:
    # scored by the same regression
    alternative: Optional[str] = None
    alternative_values: Optional[Dict[str, float]] = None
    code: Optional[str] = None
    registry_values: Optional[Dict[str, float]] = None
    # the registry-only procedure of the closest labelled question carrying one, when not `code`:
    # scored by the same regression
    code_alternative: Optional[str] = None
    code_alternative_values: Optional[Dict[str, float]] = None


def base_of(referral: Answer) -> str:
    """What kind of referral it is: the verifier's doubt, a detail (or a case) the chosen record
    does not cover, or the gate (nothing chosen)."""
    for c in referral.considered:
        if c.get("via") == "verifier":
            return "doubt"
    for c in referral.considered:
        if any(k in c for k in ("unknown", "not_for", "unexplained")):
            return "gap"
    return "gate"


def referred_record(referral: Answer) -> Optional[str]:
    """The record a doubt or a gap was about (None for the gate)."""
    if base_of(referral) == "gate":
        return None
    return referral.considered[0].get("id") if referral.considered else None


def eligible(referral: Answer, ctx: Context, from_button: bool) -> bool:
    """A referral given to a question asked with nothing in context, not after a button."""
    return (referral.outcome == "fallback" and referral.reason == "no_answer" and not from_button
            and not ctx.procedure and not ctx.answer_id and ctx.awaiting is None)


def candidates(question: str, referral: Answer, ctx: Context, results: Sequence) -> Candidates:
    from answering import registry_match, verify
    from answering.vocab import words
    from knowledge.catalog import load_procedures
    from knowledge.documents import load_documents

    base = base_of(referral)
    bases = {f"base_{b}": float(base == b) for b in BASES}
    referred = referred_record(referral)
    procedures, documents = load_procedures(), load_documents()
    nearest = registry_match.nearest_codes(question, registry_match.DENSE_CANDIDATES)
    registry_dense = nearest[0][1] if nearest else 0.0
    out = Candidates()

    kept = [r for r in results if r.id in procedures or r.id in documents]
    scores = {r.id: r.score for r in kept}

    def record_values(rid: str) -> Dict[str, float]:
        kind = "procedure" if rid in procedures else "document"
        card = Answer("", kind, "answered", 0.0, record_id=rid, considered=[{"id": rid, "via": "search"}])
        values = verify.features(question, card, ctx, results)
        others = [score for other, score in scores.items() if other != rid]
        extra = {"doubt": verify.doubt(values), "registry_dense": registry_dense,
                 "registry_margin": values["dense"] - registry_dense,
                 "score_margin": scores.get(rid, 0.0) - (max(others) if others else 0.0),
                 "same_as_referred": float(rid == referred), **bases}  # the votes are among verify.features
        return {name: float({**values, **extra}[name]) for name in RECORD_FEATURES}

    top = next((r for r in kept if not (base == "gap" and r.id == referred)), None)
    if top is not None:
        out.record, out.record_values = top.id, record_values(top.id)
    # the record of the labelled question closest to this one, when retrieval ranked another first
    asked_before = examples.nearest_record(question, lambda rid: (rid in procedures or rid in documents)
                                           and not (base == "gap" and rid == referred))
    if asked_before and asked_before != out.record:
        values = record_values(asked_before)
        if values["example_agree"] >= examples.CLOSE:
            out.alternative, out.alternative_values = asked_before, values

    asked = words(question)
    record_dense = max((r.dense for r in kept), default=0.0)
    read = registry_match.candidates_for(asked, nearest)  # every registry-only entry, scored on words

    def registry_values(code: str) -> Dict[str, float]:
        mine = next((i for i, c in enumerate(read) if c.code == code), None)
        cov = read[mine].coverage if mine is not None else 0.0
        ident = read[mine].identity if mine is not None else 0.0
        best_other = max((c.words_score for c in read if c.code != code), default=0.0)
        dense = dict(nearest).get(code)
        if dense is None:
            dense = registry_match.similarity(question, code)
        others = [sim for other, sim in nearest if other != code]
        values = {"dense": dense, "dense_margin": dense - (others[0] if others else 0.0),
                  "coverage": cov, "identity": ident, "words_rank": float(mine if mine is not None else len(read)),
                  "words_margin": cov + ident - best_other, "record_dense": record_dense,
                  "record_margin": dense - record_dense,
                  "record_coverage": out.record_values["coverage"] if out.record_values else 0.0,
                  "record_identity": out.record_values["identity"] if out.record_values else 0.0, "subject_words": float(len(asked.content)),
                  "accented": float(asked.accented), **bases, **examples.evidence(question, label_of_code(code)),
                  **examples.votes(question, label_of_code(code))}
        return {name: float(values[name]) for name in REGISTRY_FEATURES}

    if nearest:
        out.code = nearest[0][0]
        out.registry_values = registry_values(out.code)
    # the registry procedure of the labelled question closest to this one, when the encoder put another first
    only_registry = registry_match.registry_vocabulary().profiles  # keyed by the registry-only codes
    asked_code = code_of_label(examples.nearest_record(question, lambda label: code_of_label(label) in only_registry) or "")
    if asked_code and asked_code != out.code:
        values = registry_values(asked_code)
        if values["example_agree"] >= examples.CLOSE:
            out.code_alternative, out.code_alternative_values = asked_code, values
    return out


@functools.lru_cache(maxsize=1)
def _model() -> Optional[dict]:
    """The two fitted regressions (None when rescue.json is absent); refused when fitted on other features."""
    if not WEIGHTS.exists():
        return None
    model = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    for part, names in (("record", RECORD_FEATURES), ("registry", REGISTRY_FEATURES)):
        if tuple(model[part]["features"]) != names:
            raise ValueError(f"{WEIGHTS} was fitted on other features; run benchmarks/rescue_fit.py")
    return model


def chances(found: Candidates, model: Optional[dict] = None) -> Tuple[float, float]:
    """(probability the record is what the question means, probability the registry procedure is)."""
    model = model or _model()
    if model is None:
        return 0.0, 0.0
    rec = probability(model["record"], RECORD_FEATURES, found.record_values) if found.record_values else 0.0
    reg = probability(model["registry"], REGISTRY_FEATURES, found.registry_values) if found.registry_values else 0.0
    return rec, reg


def alternative_chance(found: Candidates, model: Optional[dict] = None) -> float:
    """The probability that the closest labelled question's record is what the question means."""
    model = model or _model()
    if model is None or not found.alternative_values:
        return 0.0
    return probability(model["record"], RECORD_FEATURES, found.alternative_values)


def code_alternative_chance(found: Candidates, model: Optional[dict] = None) -> float:
    """The probability that the closest labelled question's registry procedure is what the question means."""
    model = model or _model()
    if model is None or not found.code_alternative_values:
        return 0.0
    return probability(model["registry"], REGISTRY_FEATURES, found.code_alternative_values)


def pick(found: Candidates) -> Optional[Tuple[str, str, float]]:
    """("record" or "registry", its id or code, probability) to answer, or None to keep the referral."""
    model = _model()
    if model is None:
        return None
    rec, reg = chances(found, model)
    options = [("record", found.record, rec, model["record"]["threshold"]),
               ("record", found.alternative, alternative_chance(found, model), model["record"]["threshold"]),
               ("registry", found.code, reg, model["registry"]["threshold"]),
               ("registry", found.code_alternative, code_alternative_chance(found, model), model["registry"]["threshold"])]
    options = [o for o in options if o[1] and o[2] >= o[3]]
    if not options:
        return None
    kind, ident, chance, _ = max(options, key=lambda o: o[2])
    return kind, ident, chance
