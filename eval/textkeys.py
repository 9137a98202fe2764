"""What the eval validators share: accent-free comparison keys, diacritics checks, and the
knowledge base read as text (to check that expected strings occur in it)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml


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


def nfc_fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def knowledge_texts(root: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(folded text of every record by id, title of every record by id, front-matter question key ->
    document id) for the knowledge under `root` (the repository)."""
    record_text: dict[str, str] = {}
    titles: dict[str, str] = {}
    front_questions: dict[str, str] = {}
    for path in sorted((root / "knowledge" / "docs").glob("*/*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        meta = yaml.safe_load(front)
        record_text[meta["id"]] = nfc_fold(meta["title"] + "\n" + meta["summary"] + "\n" + body)
        titles[meta["id"]] = meta["title"]
        for q in meta.get("questions") or []:
            front_questions[key(q)] = meta["id"]
    for path in sorted((root / "knowledge" / "procedures").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        rec = yaml.safe_load(text)
        record_text[rec["id"]] = nfc_fold(text)
        titles[rec["id"]] = rec["name"]
    return record_text, titles, front_questions


def closest(text: str, candidates, floor: float = 0.8):
    """(candidate, ratio) of the candidate most like `text` (difflib ratio), when that ratio is at
    least `floor`; else None. The cheap upper bounds (real_quick_ratio, quick_ratio) skip the
    candidates that cannot reach the floor, so the answer is the same as comparing every one."""
    import difflib

    best, best_ratio = None, floor
    matcher = difflib.SequenceMatcher(None, "", text)  # seq2 is cached: set the candidate as seq1
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio and (best is None or ratio > best_ratio):
            best, best_ratio = candidate, ratio
    return (best, best_ratio) if best is not None else None
