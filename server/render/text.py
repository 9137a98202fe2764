"""Splitting long text into chunks that fit a channel's limit, at the cleanest boundary.

Lengths are counted in UTF-16 code units, as the platforms count them (an emoji counts 2;
Vietnamese letters in NFC count 1)."""
from __future__ import annotations

import datetime as dt
import re
from typing import List

from server.replies import Reply

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> int:
    """The longest prefix length (in characters) whose UTF-16 length is <= limit."""
    if units(text) <= limit:
        return len(text)
    lo, hi = 0, min(len(text), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if units(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def split_text(text: str, limit: int) -> List[str]:
    """Chunks of at most `limit` units: paragraph breaks first, then lines, sentences, words,
    and a hard cut only inside a single overlong word."""
    text = text.strip()
    chunks: List[str] = []
    while text:
        if units(text) <= limit:
            chunks.append(text)
            break
        window = text[: _cut(text, limit)]
        at = -1
        for pattern in ("\n\n", "\n"):
            pos = window.rfind(pattern)
            if pos > 0:
                at = pos
                break
        if at <= 0:
            ends = [m.start() for m in _SENTENCE_END.finditer(window)]
            at = ends[-1] if ends and ends[-1] > 0 else -1
        if at <= 0:
            pos = window.rfind(" ")
            at = pos if pos > 0 else len(window)
        chunks.append(text[:at].rstrip())
        text = text[at:].lstrip()
    return [c for c in chunks if c]


def shorten(text: str, limit: int) -> str:
    """Fit a short label: cut at a word if possible and end with an ellipsis."""
    text = " ".join(text.split())
    if units(text) <= limit:
        return text
    head = text[: _cut(text, limit - 1)]
    if " " in head and len(head.rsplit(" ", 1)[0]) >= limit // 2:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…"


def reply_text(reply: Reply) -> str:
    """The reply's text, with its first source cited if the text does not cite it already
    (answers from our actions carry their citation line; other replies may not)."""
    text = reply.text
    if reply.sources and not any(source.url in text for source in reply.sources):
        first = reply.sources[0]
        try:
            checked = dt.date.fromisoformat(first.checked).strftime("%d/%m/%Y")
        except ValueError:
            checked = first.checked
        text = f"{text}\nNguồn: {first.title} ({first.url}), kiểm tra ngày {checked}.".strip()
    return text
