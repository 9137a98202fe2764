"""Load the guidance documents (knowledge/docs/<topic>/<id>.md: YAML front matter + Markdown)."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from common import yamlio

from knowledge.catalog import Source

DOCS_DIR = Path(__file__).resolve().parent / "docs"
TOPICS = ("access", "procedure", "security", "troubleshooting", "benefits", "support")


class FrontMatterError(ValueError):
    pass


def split_front_matter(text: str) -> Tuple[dict, str]:
    """Return (front matter, body) of a Markdown file that starts with a `---` YAML block."""
    if not text.startswith("---"):
        raise FrontMatterError("no front matter (the file must start with '---')")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise FrontMatterError("front matter is not closed by a '---' line")
    meta = yamlio.load(parts[0][3:])
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter is not a YAML mapping")
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    return meta, body.strip()


@dataclass
class Document:
    id: str
    title: str
    topic: str
    summary: str
    sources: List[Source]
    checked: dt.date
    body: str
    questions: List[str] = field(default_factory=list)
    legal_basis: List[str] = field(default_factory=list)
    uncertain: bool = False
    uncertain_note: str = ""
    path: Path = Path()

    @property
    def lead(self) -> str:
        """The first paragraph: the direct answer."""
        return self.body.split("\n\n", 1)[0].strip()

    @classmethod
    def from_file(cls, path: Path) -> "Document":
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        checked = meta.get("checked")
        if isinstance(checked, str):
            checked = dt.date.fromisoformat(checked)
        return cls(
            id=str(meta["id"]),
            title=str(meta["title"]),
            topic=str(meta["topic"]),
            summary=str(meta.get("summary") or ""),
            sources=[Source(str(s["title"]), str(s["url"])) for s in meta.get("sources") or []],
            checked=checked,
            body=body,
            questions=[str(q) for q in meta.get("questions") or []],
            legal_basis=[str(x) for x in meta.get("legal_basis") or []],
            uncertain=bool(meta.get("uncertain")),
            uncertain_note=str(meta.get("uncertain_note") or ""),
            path=path,
        )


def document_files(directory: Path = DOCS_DIR) -> List[Path]:
    return sorted(Path(directory).glob("*/*.md"))


@functools.lru_cache(maxsize=4)
def load_documents(directory: Path = DOCS_DIR) -> Dict[str, Document]:
    return {doc.id: doc for doc in (Document.from_file(p) for p in document_files(directory))}


@functools.lru_cache(maxsize=1)
def document_titles() -> Dict[str, str]:
    """Each guide's id by its title in search form (accent-free, lower case)."""
    from knowledge.normalize import search_form

    return {search_form(doc.title).strip(" ?.!"): doc.id for doc in load_documents().values()}
