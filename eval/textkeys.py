"""Text keys shared by the eval validators: accent-free comparison keys and diacritics checks."""
from __future__ import annotations

import re
import unicodedata


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def key(text: str) -> str:
    """Comparison key: lowercase, no accents, no punctuation, single spaces."""
    text = re.sub(r"[^\w\s]", " ", strip_accents(text))
    return re.sub(r"\s+", " ", text).strip()


def has_diacritics(text: str) -> bool:
    if "đ" in text or "Đ" in text:
        return True
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", text))
