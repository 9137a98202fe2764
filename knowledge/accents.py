"""Accents put back on a question typed without any, for the multilingual encoder only.

Many citizens type without diacritics ("lam can cuoc mat bao lau"). Lexical search and the
matchers compare accent-free forms and do not mind, but the e5 encoder reads accentless
Vietnamese poorly: its nearest passages are then close to chance. So before a question with no
accent at all is embedded, each syllable gets the accented form our own knowledge uses most in
that context ("làm căn cước mất bao lâu"): a syllable bigram model over the knowledge's accented
text (docs, procedure records, registry with its everyday situations), decoded with Viterbi.

- A question with any accent is left exactly as typed: the citizen's accents are what the
  encoder should read.
- A syllable the knowledge never writes stays as typed.
- Nothing else uses the restored text: what is shown, quoted or matched is what was typed.

Measured on the accented questions of eval/fresh*/dev (accents removed, then put back; none of
them is in the corpus): 91% of syllables right (eval/README.md, round 11).
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from knowledge.normalize import has_marks, normalize_text, strip_accents

KNOWLEDGE_DIR = Path(__file__).resolve().parent
_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE = re.compile(r"[.,;:!?()\[\]\"'/\n–-]+")
MIN_ACCENTED = 0.4  # a clause counts only if this share of its syllables is accented (not an accent-free alias)
SMOOTHING = 30.0  # weight of a form's frequency in the whole corpus against the bigram evidence
CANDIDATES = 8  # accented forms tried per syllable


def _corpus_files() -> List[Path]:
    return (sorted((KNOWLEDGE_DIR / "docs").glob("*/*.md")) + sorted((KNOWLEDGE_DIR / "procedures").glob("*.yml"))
            + sorted((KNOWLEDGE_DIR / "registry").glob("*.yml")))


def _clauses() -> Iterator[List[str]]:
    """The accented clauses of the knowledge, as lowercase syllables."""
    for path in _corpus_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            for clause in _CLAUSE.split(normalize_text(line).lower()):
                words = _WORD.findall(clause)
                if words and sum(map(has_marks, words)) / len(words) >= MIN_ACCENTED:
                    yield words


class Model:
    """Syllable and bigram counts; forms[accent-free syllable] = its accented forms and counts."""

    def __init__(self, clauses) -> None:
        self.unigrams: Counter = Counter()
        self.bigrams: Counter = Counter()
        self.forms: Dict[str, Counter] = defaultdict(Counter)
        for words in clauses:
            previous = "<s>"
            self.unigrams[previous] += 1
            for word in words:
                self.forms[strip_accents(word)][word] += 1
                self.unigrams[word] += 1
                self.bigrams[(previous, word)] += 1
                previous = word
        self.total = max(1, sum(self.unigrams.values()) - self.unigrams["<s>"])

    def _score(self, previous: str, word: str) -> float:
        """log P(word | previous), the bigram interpolated with the form's corpus frequency: a
        rare previous form ("bão") does not make any next form likely."""
        prior = max(self.unigrams[word], 0.5) / self.total
        return math.log((self.bigrams[(previous, word)] + SMOOTHING * prior) / (self.unigrams[previous] + SMOOTHING))

    def _options(self, word: str) -> List[str]:
        """The accented forms to try for one typed syllable, most used first; a syllable the
        knowledge never writes is kept as typed."""
        forms = self.forms.get(strip_accents(word.lower()))
        if not forms:
            return [word.lower()]
        return [form for form, _ in forms.most_common(CANDIDATES)]

    def decode(self, words: List[str]) -> List[str]:
        """The most likely accented lowercase form of each syllable of one clause (Viterbi)."""
        paths: Dict[str, Tuple[float, List[str]]] = {"<s>": (0.0, [])}
        for word in words:
            step: Dict[str, Tuple[float, List[str]]] = {}
            for option in self._options(word):
                score, path = max(((s + self._score(prev, option), p) for prev, (s, p) in paths.items()),
                                  key=lambda item: item[0])
                step[option] = (score, path + [option])
            paths = step
        return max(paths.values(), key=lambda item: item[0])[1]


@functools.lru_cache(maxsize=1)
def model() -> Model:
    return Model(_clauses())


def restore(text: str) -> str:
    """`text` with accents put back, when it has none at all; else `text` unchanged. Case,
    digits and punctuation are kept."""
    if not text or has_marks(text):
        return text
    out = []
    for piece in re.split(r"([.,;:!?()\n]+)", text):
        parts = _WORD.split(piece)
        words = _WORD.findall(piece)
        if not words:
            out.append(piece)
            continue
        restored = model().decode(words)
        merged = [parts[0]]
        for typed, form, tail in zip(words, restored, parts[1:]):
            merged.append((form[:1].upper() + form[1:]) if typed[:1].isupper() else form)
            merged.append(tail)
        out.append("".join(merged))
    return "".join(out)
