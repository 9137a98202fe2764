"""Split guidance documents and procedure records into retrieval chunks.

Each chunk keeps its record's title (and section heading) in its text, so a chunk read alone
still says what it is about. A record also gets one chunk per example question / alias group:
those are what citizens' questions look like.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Dict, Iterable, List

from knowledge.catalog import Procedure
from knowledge.documents import Document


@dataclass
class Chunk:
    record_id: str  # document or procedure id
    kind: str  # "doc" | "procedure"
    section: str  # heading, "lead", "questions", or a procedure aspect
    title: str
    text: str  # what is shown / cited
    search_text: str  # what is embedded and indexed (title + section + text)

    def as_dict(self) -> Dict[str, str]:
        return asdict(self)


def _sections(body: str) -> Iterable[tuple]:
    heading, lines = "lead", []
    for line in body.splitlines():
        match = re.match(r"^#{2,3}\s+(.*)", line)
        if match:
            if any(l.strip() for l in lines):
                yield heading, "\n".join(lines).strip()
            heading, lines = match.group(1).strip(), []
        else:
            lines.append(line)
    if any(l.strip() for l in lines):
        yield heading, "\n".join(lines).strip()


def document_chunks(doc: Document) -> List[Chunk]:
    chunks = []
    for heading, text in _sections(doc.body):
        context = doc.title if heading == "lead" else f"{doc.title} — {heading}"
        chunks.append(Chunk(doc.id, "doc", heading, doc.title, text, f"{context}\n{text}"))
    if doc.questions:
        questions = "\n".join(doc.questions)
        chunks.append(Chunk(doc.id, "doc", "questions", doc.title, doc.lead, f"{doc.title}\n{doc.summary}\n{questions}"))
    return chunks


def _lines(items: List[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def procedure_chunks(proc: Procedure) -> List[Chunk]:
    notes = [str(n.get("text", "")) for n in proc.fee_notes if isinstance(n, dict)]
    online = proc.online or {}
    aspects = {
        "overview": f"Cơ quan giải quyết: {proc.authority}\nNơi nộp: {proc.where}",
        "time": f"Thời gian giải quyết: {proc.processing_time}",
        "fee": "Lệ phí: " + "\n".join([proc.fee, *notes]),
        "documents": "Giấy tờ cần chuẩn bị:\n" + _lines(proc.documents),
        "online": f"Nộp trực tuyến: {online.get('level', '')}. {online.get('note', '')} {online.get('url', '')}".strip(),
        "steps": "Các bước:\n" + _lines(proc.steps),
    }
    chunks = [Chunk(proc.id, "procedure", aspect, proc.name, text, f"{proc.name}\n{text}") for aspect, text in aspects.items()]
    aliases = ", ".join(proc.aliases)
    chunks.append(Chunk(proc.id, "procedure", "aliases", proc.name, aspects["overview"], f"{proc.name}\n{aliases}"))
    return chunks


def all_chunks(documents: Dict[str, Document], procedures: Dict[str, Procedure]) -> List[Chunk]:
    chunks: List[Chunk] = []
    for doc in documents.values():
        chunks.extend(document_chunks(doc))
    for proc in procedures.values():
        chunks.extend(procedure_chunks(proc))
    return chunks
