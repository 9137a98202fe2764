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
