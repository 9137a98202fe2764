"""Vietnamese word tokenizer for Rasa 3.6, built on underthesea.

Vietnamese writes one syllable per space-separated chunk; a word is often several syllables
("giấy phép lái xe"). underthesea groups syllables into words; this component keeps each word as
one Rasa token *with its spaces* so that character offsets match the message text and entities
spanning several syllables are learnt and extracted as a unit. Text typed without diacritics is
kept as single syllables (underthesea segments it unreliably).

Text is not normalised here (that happens at the channel edge, see knowledge.normalize): any
rewrite inside the tokenizer would shift entity offsets.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from knowledge.normalize import strip_accents  # the accent-free form retrieval matches on


def _is_punctuation(word: Text) -> bool:
    """Punctuation, spaces and plain symbols; an emoji is a word (a lone "👍" or "👎" is the
    whole message when a citizen rates an answer, and it must reach the classifier)."""
    return all((unicodedata.category(ch)[0] in "PSZ" and not _is_emoji(ch)) or ch in _EMOJI_JOINERS for ch in word)


_EMOJI_JOINERS = "\ufe0e\ufe0f\u200d"  # variation selectors and the zero-width joiner (❤️ is ❤ + U+FE0F)


def _is_emoji(ch: Text) -> bool:
    return unicodedata.category(ch) == "So" and ord(ch) >= 0x2600


def _spans_in(text: Text, pieces: List[Text], start: int) -> List[Tuple[int, int]]:
    """Locate each piece (a word, syllables separated by single spaces) in text, in order."""
    spans = []
    cursor = start
    for piece in pieces:
        syllables = piece.split()
        if not syllables:
            continue
        pattern = r"\s+".join(re.escape(s) for s in syllables)
        match = re.compile(pattern).search(text, cursor)
        if match is None:
            # underthesea changed the characters (rare): fall back to the syllables one by one.
            if len(syllables) > 1:
                sub = _spans_in(text, syllables, cursor)
                spans.extend(sub)
                if sub:
                    cursor = sub[-1][1]
            continue
        spans.append((match.start(), match.end()))
        cursor = match.end()
    return spans


def word_spans(text: Text) -> List[Tuple[int, int]]:
    """Character spans of the words of `text` (punctuation dropped), in order."""
    from underthesea import sent_tokenize, word_tokenize

    if not text or not text.strip():
        return []
    spans: List[Tuple[int, int]] = []
    cursor = 0
    for sentence in sent_tokenize(text) or [text]:
        words = word_tokenize(sentence, use_token_normalize=False)
        found = _spans_in(text, words, cursor)
        if found:
            cursor = found[-1][1]
        spans.extend(found)
    return [piece for s, e in spans if not _is_punctuation(text[s:e]) for piece in _split_unaccented(text, s, e)]


def _split_unaccented(text: Text, start: int, end: int) -> List[Tuple[int, int]]:
    """underthesea is trained on accented text and groups accentless syllables unreliably
    ("lam lai cccd" -> "lai cccd"): a word without any diacritic is kept as separate syllables."""
    word = text[start:end]
    if word.isascii() and any(ch.isspace() for ch in word):
        return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", word)]
    return [(start, end)]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(Tokenizer):
    """Tokenizes Vietnamese into (possibly multi-syllable) words with exact offsets."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["underthesea"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        # the lemma is the accent-free form: a featurizer with use_lemma sees "căn cước" and
        # "can cuoc" alike (bot/config.yml), the others see the text as typed
        tokens = [Token(text[s:e], s, lemma=strip_accents(text[s:e])) for s, e in word_spans(text)]
        return self._apply_token_pattern(tokens)
