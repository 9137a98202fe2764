"""Issue 14's second bar on eval/breadth/: questions about procedures outside the first 31.

Each item names one target procedure (a full record, a registry entry's national code, or both).
A reply passes when it names the target (a card whose record is the target record, or the record
the registry says covers the target's code (`covered_by`: "Cấp, đổi, cấp lại thẻ căn cước" for
1.014063, cấp đổi), or a registry reply whose code is the target's code) and says who handles it (a "Nơi giải quyết", "Cơ quan giải
quyết" or "Nơi nộp" line, or the target's authority). A card about any other record, or a registry
reply about another procedure, is a wrong card. A reply that offers the target as a button without
answering (the verifier's doubt, a clarification) is counted as "offered"; it does not pass.

Bars: pass ≥ 60%, wrong cards ≤ 5%.

    .venv/bin/python benchmarks/breadth.py [--file eval/breadth/dev.jsonl] [--direct] [--json out.json]

Never run it on eval/breadth/heldout.jsonl while tuning.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

FORMS = ("accented", "accentless", "abbreviated")
CARD_KINDS = ("procedure", "document")


def score(item: Dict[str, Any], text: str, marker: Dict[str, Any], buttons: List[Dict[str, str]]) -> Dict[str, Any]:
    """{named, says_who, pass, wrong_card, offered, kind} for one reply."""
    target = item["target"]
    record, code = target.get("record") or "", target.get("code") or ""
    record = record or _covered_by(code)  # a registry code one full record covers: that record's card names it
    answered = marker.get("outcome") == "answered"
    answer_id = marker.get("answer_id") or ""
    registry = answered and marker.get("topic") == "registry"
    card = answered and not registry
    named = (card and bool(record) and answer_id == record) or (registry and bool(code) and answer_id == code)
    says_who = any(label in text for label in ("Nơi giải quyết", "Cơ quan giải quyết", "Nơi nộp")) or _authority(item) in text
    payloads = " ".join(b.get("payload", "") for b in buttons or [])
    offered = not answered and ((bool(record) and f'"{record}"' in payloads) or (bool(code) and f"mã {code}" in payloads))
    kind = "card" if card else "registry" if registry else (marker.get("reason") or marker.get("outcome") or "other")
    wrong = (card and answer_id != record) or (registry and answer_id != code)  # a registry reply names a procedure too
    return {"named": named, "says_who": says_who, "pass": named and says_who, "wrong_card": wrong,
            "offered": offered, "kind": kind}


def _covered_by(code: str) -> str:
    """The full record that covers the registry-only `code` (the registry's `covered_by`), or ""."""
    from knowledge.registry import entries_by_code

    entry = entries_by_code().get(code) if code else None
    return (entry.covered_by or "") if entry else ""


def _authority(item: Dict[str, Any]) -> str:
    from knowledge.registry import load_registry

    code = item["target"].get("code")
    for entry in load_registry():
        if code and entry.code == code:
            return entry.authority
    return "\0"  # nothing to find


def run_direct(items: List[Dict[str, Any]]) -> List[Tuple[str, Dict[str, Any], list]]:
    from answering import answer

    out = []
    for item in items:
        a = answer(item["question"])
        out.append((a.text, a.payload()["dvc"], a.buttons))
    return out


def run_bot(items: List[Dict[str, Any]]) -> List[Tuple[str, Dict[str, Any], list]]:
    import asyncio
    import uuid

    import dvcbot.quiet  # noqa: F401
    from dvcbot.runtime import BotRuntime
    from server.replies import outcome_of

    runtime = BotRuntime()

    async def go():
        await runtime.warm_up()
        out = []
        for item in items:
            turn = await runtime.ask(item["question"], sender=f"br-{item['id']}-{uuid.uuid4().hex[:6]}")
            buttons = [b.dict() for r in turn.replies for b in r.buttons]
            out.append((turn.text, outcome_of(turn.replies), buttons))
        return out

    return asyncio.run(go())


def summarize(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    n = len(rows)
    share = lambda key: round(sum(1 for r in rows if r[key]) / n, 3) if n else None  # noqa: E731
    kinds: Dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    return {"n": n, "pass": share("pass"), "named": share("named"), "wrong_card": share("wrong_card"),
            "offered": share("offered"), "kinds": dict(sorted(kinds.items())),
            "median_chars": int(statistics.median(r["chars"] for r in rows)) if rows else None}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", default=str(ROOT / "eval" / "breadth" / "dev.jsonl"))
    parser.add_argument("--direct", action="store_true", help="the answering layer alone, without Rasa")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    items = [json.loads(line) for line in open(args.file, encoding="utf-8") if line.strip()]
    from fitting import own_set_left_out

    with own_set_left_out(args.file):  # a set's own questions are never evidence for it (answering/examples.py)
        replies = run_direct(items) if args.direct else run_bot(items)
    rows = []
    for item, (text, marker, buttons) in zip(items, replies):
        rows.append({**item, **score(item, text, marker, buttons), "chars": len(text), "reply": text,
                     "answer_id": marker.get("answer_id")})
    out: Dict[str, Any] = {"file": args.file, "all": summarize(rows)}
    out["by_form"] = {f: summarize([r for r in rows if r["form"] == f]) for f in FORMS if any(r["form"] == f for r in rows)}
    full = [r for r in rows if r["target"].get("record")]
    out["by_target"] = {"full record": summarize(full), "registry only": summarize([r for r in rows if r not in full])}
    out["failures"] = [{k: r[k] for k in ("id", "form", "question", "target", "kind", "answer_id", "wrong_card", "reply")}
                       for r in rows if not r["pass"]]
    pct = lambda v: "   -" if v is None else f"{100 * v:4.0f}"  # noqa: E731
    print(f"{'':20} {'n':>4} {'pass':>5} {'named':>6} {'wrong':>6} {'offer':>6} {'chars':>6}  kinds")
    for label, s in [("all", out["all"]), *((f"form {k}", v) for k, v in out["by_form"].items()),
                     *((k, v) for k, v in out["by_target"].items())]:
        print(f"{label:20} {s['n']:>4} {pct(s['pass']):>5} {pct(s['named']):>6} {pct(s['wrong_card']):>6} "
              f"{pct(s['offered']):>6} {s['median_chars'] or 0:>6}  {s['kinds']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
