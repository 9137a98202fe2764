"""The bank of labelled questions (knowledge/questions/*.jsonl): questions written the way citizens
ask, each labelled with the record(s) that answer it, the registry-only procedure it is about, or
"none" (a public-service question no record answers). The index embeds them (knowledge/index.py);
the answering layer reads how close a new question is to questions labelled with the record it
is about to answer, and to questions labelled otherwise (answering/examples.py).

`benchmarks/question_bank.py` writes `labelled.jsonl` from the evaluation sets a fit may train on;
`written.jsonl` holds questions written for the bank alone (round 18: three to four per record and two
per registry-only procedure, in citizens' words, never from an evaluation set);
a province can add a file of its own citizens' questions, one JSON object a line:
`{"q": "...", "records": ["dang-ky-khai-sinh"]}`, `{"q": "...", "code": "1.004873"}` or
`{"q": "...", "none": true}`, with an optional `"from"` saying where it came from.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
NONE = "none"


@dataclass(frozen=True)
class Labelled:
    text: str
    labels: Tuple[str, ...]  # record ids, "code:<national code>", or ("none",)
    origin: str = ""  # the file's "from": which evaluation set and half (a fit leaves its own set out)


CODE = "code:"


def label_of_code(code: str) -> str:
    return f"{CODE}{code}"


def code_of_label(label: str) -> Optional[str]:
    """The national code a label names ("code:1.004873"), or None for a record id or "none"."""
    return label[len(CODE):] if label.startswith(CODE) else None


def parse(line: dict, where: str) -> Labelled:
    """One bank line; ValueError naming `where` when it is not one of the three forms."""
    text = str(line.get("q") or "").strip()
    if not text:
        raise ValueError(f"{where}: no question (q)")
    if line.get("records"):
        labels = tuple(str(r) for r in line["records"])
    elif line.get("code"):
        labels = (label_of_code(str(line["code"])),)
    elif line.get("none") is True:
        labels = (NONE,)
    else:
        raise ValueError(f"{where}: needs records, code or none")
    return Labelled(text, labels, str(line.get("from") or ""))


@functools.lru_cache(maxsize=1)
def load_questions(folder: Path = QUESTIONS_DIR) -> Tuple[Labelled, ...]:
    out: List[Labelled] = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if raw.strip():
                out.append(parse(json.loads(raw), f"{path.name}:{n}"))
    return tuple(out)
