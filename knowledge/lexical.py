"""Lexical side of retrieval: BM25 (bm25s) over accent-free syllables and syllable bigrams.

Word segmentation of accentless text is unreliable (see bot/components/vietnamese_tokenizer.py),
so instead of segmented words we index every syllable and every pair of adjacent syllables:
"can cuoc" matches "căn cước" whether or not the citizen typed the accents, and the bigram
"can_cuoc" rewards the compound word over its parts.
"""
from __future__ import annotations

import re
from typing import List

import numpy as np

from knowledge.normalize import search_form

_WORD = re.compile(r"[0-9a-z]+")
# Frequent function words that carry no topic (accent-free).
STOPWORDS = frozenset(
    "a la cua va thi ma o tai voi cho de duoc khong co gi nao nhu the bao nhieu lam sao "
    "minh em anh chi ban toi oi nhe vay roi nay do cac nhung mot hay hoac ve tu den".split()
)


def tokens(text: str) -> List[str]:
    syllables = _WORD.findall(search_form(text))
    bigrams = [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]
    return [s for s in syllables if s not in STOPWORDS] + bigrams


class LexicalIndex:
    def __init__(self, texts: List[str]) -> None:
        import bm25s

        self.bm25 = bm25s.BM25()
        corpus = [tokens(t) or ["_empty_"] for t in texts]
        self.bm25.index(corpus, show_progress=False)
        self.vocab = set(self.bm25.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for the query (zeros when nothing matches)."""
        known = [t for t in tokens(query) if t in self.vocab]
        if not known:
            return np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        return self.bm25.get_scores(known)
