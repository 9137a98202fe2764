"""The fact units of the knowledge: every item of a procedure (its processing time, fee and fee
notes, each paper, each step, who handles it, where, the online note) and every line or bullet of
a document (a long paragraph's sentences), each as (field, text). The answering layer picks the
units that answer a question (answering/facts.py); the index embeds each unit's text once
(knowledge/index.py, facts.npy) so the encoder can read which line is closest to the question."""
from __future__ import annotations

import re
from typing import Dict, Iterator, List, Tuple

Unit = Tuple[str, str]  # (field, text); field: time, fee, fee_note, document, step, authority, where, online, body, lead


def procedure_units(proc) -> List[Unit]:
    units = [("time", f"Thời gian giải quyết: {proc.processing_time}"), ("fee", f"Lệ phí: {proc.fee}")]
    units += [("fee_note", str(n["text"])) for n in proc.fee_notes if isinstance(n, dict) and n.get("text")]
    units += [("document", d) for d in proc.documents]
    units += [("step", s) for s in proc.steps]
    units += [("authority", f"Cơ quan giải quyết: {proc.authority}"), ("where", f"Nơi nộp: {proc.where}")]
    online = proc.online or {}
    if online.get("note"):
        units.append(("online", str(online["note"])))
    return units


def document_units(doc) -> List[Unit]:
    units: List[Unit] = []
    for line in doc.body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"^([-*•]|\d+[.)])\s+", "", line)
        if len(line) > 320:  # a long paragraph: its sentences are the units
            units += [("body", s.strip()) for s in re.split(r"(?<=[.;!?])\s+", line) if s.strip()]
        else:
            units.append(("body", line))
    return units


def unit_texts(documents: Dict[str, object], procedures: Dict[str, object]) -> Iterator[str]:
    """Every unit's text once (a document's lead paragraph is a unit too), in a stable order."""
    seen = set()
    for proc in procedures.values():
        for _, text in procedure_units(proc):
            if text not in seen:
                seen.add(text)
                yield text
    for doc in documents.values():
        for _, text in [("lead", doc.lead), *document_units(doc)]:
            if text and text not in seen:
                seen.add(text)
                yield text
