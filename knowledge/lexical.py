"""Lexical side of retrieval: BM25 (bm25s) over accent-free syllables and syllable bigrams.

Word segmentation of accentless text is unreliable (see bot/components/vietnamese_tokenizer.py),
so instead of segmented words we index every syllable and every pair of adjacent syllables:
"can cuoc" matches "căn cước" whether or not the citizen typed the accents, and the bigram
"can_cuoc" rewards the compound word over its parts.
"""
from __future__ import annotations

import re
from typing import List, Union

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

        self.bm25 = bm25s.BM25()  # method "lucene": no score for absent words
        corpus = [tokens(t) or ["_empty_"] for t in texts]
        self.bm25.index(corpus, show_progress=False)
        self.vocab = self.bm25.vocab_dict
        matrix = self.bm25.scores  # per word: the texts holding it and its BM25 score in each
        self._data, self._texts, self._starts = matrix["data"], matrix["indices"], matrix["indptr"]
        self.size = int(matrix["num_docs"])

    def scores(self, query: Union[str, List[str]]) -> np.ndarray:
        """BM25 score of every indexed text for the query, a text or its `tokens` (zeros when
        nothing matches).

        What bm25s.get_scores computes, word by word in the same order and precision, without
        its np.add.at (slow: ~4 ms a query at 10k chunks). A word's texts are distinct, so a
        plain indexed add gives the same sums."""
        out = np.zeros(self.size, dtype=self._data.dtype)
        for word in tokens(query) if isinstance(query, str) else query:
            word_id = self.vocab.get(word)
            if word_id is not None:
                start, end = self._starts[word_id], self._starts[word_id + 1]
                out[self._texts[start:end]] += self._data[start:end]
        return out
