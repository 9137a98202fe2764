"""The registry-only procedure a question describes, when its words and the encoder agree.

A question that names no record and that no record covers may still describe a procedure the
registry knows by name and code ("muốn cho công ty tạm nghỉ một năm"). Two kinds of evidence are
read side by side:

- **words**: the share of the question's subject words (rarer words weigh more, IDF over the
  registry) that the entry's name, aliases and summary explain (`coverage`), and the share its
  name and aliases alone explain (`identity`);
- **the encoder**: the entry's rank and cosine among the registry-only procedures
  (Retriever.registry_nearest, multilingual e5 reading the accents typed).

An entry is answered only when both point at it: it is the encoder's nearest, and it explains
the question's words clearly better than any other entry. A registry reply that names the wrong
procedure is a wrong answer. Otherwise the caller offers the encoder's nearest entries as buttons
(`suggestions`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from answering.vocab import Profile, Vocabulary, Words, situation_explained, vocabulary, who_and_where, words

if TYPE_CHECKING:
    from knowledge.registry import RegistryEntry

# the bars an entry must clear; chosen on eval/breadth/dev.jsonl and the fresh*/dev out-of-catalog
# items (never on a held-out file)
MIN_COVERAGE = 0.4  # share of the subject words the entry's name, aliases and summary explain
MIN_IDENTITY = 0.3  # ... and its name and aliases alone
MIN_WORDS = 0.8  # ... the two together
DENSE_CANDIDATES = 10  # the encoder's nearest registry-only procedures read
WORD_MARGIN = 0.2  # lead of coverage + identity over the next entry on words
MIN_SUBJECT_WORDS = 2  # a question of one subject word says too little to name a procedure
DENSE_LEAD = 0.0003  # the encoder's nearest leads its next by this much, or it points at neither (a tie
# within the rounding of two index builds flipped an answer between CI runs)


@dataclass
class Candidate:
    code: str
    coverage: float
    identity: float
    dense_rank: Optional[int] = None
    dense: float = 0.0

    @property
    def words_score(self) -> float:
        return self.coverage + self.identity

    def as_dict(self) -> Dict[str, object]:
        return {"id": self.code, "via": "registry match", "coverage": round(self.coverage, 3),
                "identity": round(self.identity, 3), "dense_rank": self.dense_rank, "dense": round(self.dense, 3)}


@functools.lru_cache(maxsize=1)
def registry_vocabulary() -> Vocabulary:
    """Profiles of the registry-only entries (name, aliases, summary, field, situations) and their identities
    (name and aliases), with IDF over those entries; what names something is the whole knowledge's
    names (answering.vocab)."""
    from knowledge.registry import load_registry

    entries = [e for e in load_registry() if e.code and not e.record]
    profiles = {e.code: Profile.of(e.code, [e.name, *e.aliases, e.summary, e.field, *e.situations]) for e in entries}
    identities = {e.code: Profile.of(e.code, [e.name, *e.aliases]) for e in entries}
    return Vocabulary(profiles, identities, vocabulary().names)


def candidates(question: str, nearest: Sequence[Tuple[str, float]]) -> List[Candidate]:
    """Every registry-only entry that explains some of the question, best on words first, with
    its rank among `nearest` (the encoder's (code, cosine) list, best first)."""
    return candidates_for(words(question), nearest)


def candidates_for(asked: Words, nearest: Sequence[Tuple[str, float]]) -> List[Candidate]:
    """`candidates` for a question already read into words."""
    vocab = registry_vocabulary()
    extra = situation_explained(asked)
    ranks = {code: (rank, sim) for rank, (code, sim) in enumerate(nearest)}
    found = []
    for code in vocab.profiles:
        cov = vocab.coverage(asked, code, extra)
        if cov <= 0.0:
            continue
        ident = vocab.coverage(asked, code, extra, identity=True)
        rank, sim = ranks.get(code, (None, 0.0))
        found.append(Candidate(code, cov, ident, rank, sim))
    return sorted(found, key=lambda c: (-c.words_score, c.dense_rank if c.dense_rank is not None else 99))


def best(question: str, nearest: Sequence[Tuple[str, float]]) -> Tuple[Optional[Candidate], List[Candidate]]:
    """(the entry to answer, or None; the candidates read), under the bars above."""
    asked = words(question)
    found = candidates_for(asked, nearest)
    if not found or len(set(asked.content) - who_and_where(asked)) < MIN_SUBJECT_WORDS:
        return None, found[:3]
    top = found[0]
    runner = found[1].words_score if len(found) > 1 else 0.0
    lead = nearest[0][1] - nearest[1][1] if len(nearest) > 1 else 1.0
    ok = (top.dense_rank == 0 and lead >= DENSE_LEAD and top.coverage >= MIN_COVERAGE and top.identity >= MIN_IDENTITY
          and top.words_score >= MIN_WORDS and top.words_score - runner >= WORD_MARGIN)
    return (top if ok else None), found[:3]


SUGGEST_MIN = 0.84  # e5 cosine under which a registry procedure is not worth suggesting (any two texts score ~0.8)


def nearest_codes(question: str, k: int) -> List[Tuple[str, float]]:
    """(code, cosine) of the k registry-only procedures the encoder puts closest (none without an index)."""
    from answering.search import get_retriever

    try:
        return get_retriever().registry_nearest(question, k=k)
    except (OSError, ValueError, RuntimeError):  # no index, or one built without the registry
        return []


def similarity(question: str, code: str) -> float:
    """The encoder's cosine of the question to the registry-only procedure `code` (its closest
    passage; 0.0 without an index)."""
    from answering.search import get_retriever

    try:
        return get_retriever().registry_similarity(question, code)
    except (OSError, ValueError, RuntimeError):
        return 0.0


def match(question: str) -> Tuple[Optional["RegistryEntry"], List[Candidate]]:
    """(the registry entry to answer, or None; the candidates read)."""
    from knowledge.registry import entries_by_code

    top, read = best(question, nearest_codes(question, DENSE_CANDIDATES))
    return (entries_by_code().get(top.code) if top else None), read


def suggestions(question: str) -> List[Tuple["RegistryEntry", float]]:
    """Up to two registry-only procedures the encoder puts closest (cosine ≥ SUGGEST_MIN), with
    their cosines: offered as buttons, never answered as if sure."""
    from knowledge.registry import entries_by_code

    codes = entries_by_code()
    return [(codes[code], sim) for code, sim in nearest_codes(question, 2) if sim >= SUGGEST_MIN and code in codes]
