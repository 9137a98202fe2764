"""Write knowledge/questions/labelled.jsonl: the labelled questions of `fitting.TRAIN` as a bank
of examples the answering layer compares a new question with (answering/examples.py).

Each evaluation question was written by the team from how citizens talk, and labelled with the
record or registry procedure it is about. A line of the bank is one such question:
- `{"q": ..., "records": [ids], "from": "fresh3/dev"}`: a question a full record answers
  (every record its label accepts);
- `{"q": ..., "code": "1.004873", "from": ...}`: a question about a registry-only procedure;
- `{"q": ..., "none": true, "from": ...}`: a public-service question no record answers (a
  referral).
Follow-ups (read in their context), questions with no subject ("which procedure?") and questions
out of scope are left out. Only the halves in `fitting.TRAIN` are written: a test set's held-out
half never enters the bank (tests/answering/test_examples.py checks it).

    .venv/bin/python benchmarks/question_bank.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from fitting import TRAIN, set_items  # noqa: E402

BANK = ROOT / "knowledge" / "questions" / "labelled.jsonl"


def line_of(item: Dict, origin: str) -> Optional[Dict]:
    """The bank's line for one evaluation item, or None when it is left out."""
    if "target" in item:  # a breadth question: its target record, or its registry code
        target = item["target"]
        label = {"records": [target["record"]]} if target.get("record") else {"code": target["code"]}
        return {"q": item["question"], **label, "from": origin}
    if item.get("class") in ("followup", "no_context", "out_of_scope") or len(item.get("turns") or []) != 1:
        return None
    if item["expect"] == "answer" and item.get("records"):
        return {"q": item["turns"][0], "records": list(item["records"]), "from": origin}
    if item["expect"] == "referral" and not item.get("records"):
        return {"q": item["turns"][0], "none": True, "from": origin}
    return None


def lines() -> Iterator[Dict]:
    for name, split in TRAIN:
        for item in set_items(name, split) or []:
            line = line_of(item, f"{name}/{split}")
            if line is not None:
                yield line


def main() -> int:
    out = list(lines())
    BANK.parent.mkdir(parents=True, exist_ok=True)
    BANK.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in out), encoding="utf-8")
    kinds = {"records": sum(1 for l in out if "records" in l), "code": sum(1 for l in out if "code" in l),
             "none": sum(1 for l in out if l.get("none"))}
    print(f"{BANK.relative_to(ROOT)}: {len(out)} questions ({kinds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
