"""Answer quality on the round-4 fresh sets (eval/fresh/*.jsonl, issue 12): the record the citizen
means, the fact they asked, or an honest referral.

Each item runs through the real bot pipeline in-process (`dvcbot.runtime.BotRuntime`, one sender
id per item, its turns sent in order); the last reply is scored. Reported per class and per form:

- pass rate: expect=answer -> the key fact is in the reply and no wrong card; referral -> the bot
  refers (no answer card; "chưa có thông tin/hướng dẫn", tổng đài, Một cửa, or a handoff);
  ask_procedure -> the bot asks which procedure; refusal -> the out-of-scope reply;
- key-fact rate (expect=answer items only): the reply contains any `expect_any` string (NFC,
  case-insensitive);
- wrong-card rate: the reply is an answer card (outcome `answered`) about a record not in the
  item's `records` (for referral/ask/refusal items every card is a wrong card);
- referral, ask-procedure and refusal rates; median reply length in characters.

    .venv/bin/python benchmarks/answer_quality.py [--file eval/fresh/dev.jsonl] [--json out.json]
        [--classes general,followup] [--limit N]

Never run it on eval/fresh/heldout.jsonl while tuning (eval/README.md).

`score(item, reply_text, answer_id, outcome)` is independent of how the reply was produced, so the
answering layer can be scored directly: build (text, answer_id, outcome) per item and call
`report(items, results)`.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import unicodedata
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMS = ("accented", "accentless", "abbreviated")

# fallback reasons (store.outcomes markers) and how they count
ASK_REASONS = {"ask_procedure", "clarify"}
REFUSAL_REASONS = {"out_of_scope"}
# any other fallback reason (no_answer today; e.g. referral/out_of_catalog later) is a referral
# Text cues, used only when a reply carries no outcome marker (e.g. scoring a layer directly).
REFERRAL_CUES = ("chưa có thông tin", "chưa có hướng dẫn", "chưa có trong", "18001096", "bộ phận một cửa",
                 "trung tâm phục vụ hành chính công", "gặp cán bộ")
ASK_CUES = ("thủ tục nào", "bạn muốn hỏi về", "bạn hỏi về")
REFUSAL_CUES = ("ngoài phạm vi", "chưa hỗ trợ", "không thể giúp")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").casefold()


def behaviour(reply_text: str, answer_id: Optional[str], outcome: Union[None, str, Dict[str, Any]]) -> str:
    """What the reply did: answer | referral | ask_procedure | refusal | handoff | other.

    `outcome` is the turn's marker dict ({"outcome": ..., "reason": ...}, server.replies.outcome_of),
    or an outcome name ("answered", "fallback:no_answer"), or None (then the text decides)."""
    if isinstance(outcome, str):
        name, _, reason = outcome.partition(":")
        outcome = {"outcome": name, "reason": reason or None}
    name = (outcome or {}).get("outcome")
    reason = (outcome or {}).get("reason")
    if name == "answered" and (outcome or {}).get("topic") == "registry":
        return "referral"  # a procedure known by name and code only: who handles it, and where to ask
    if name == "answered" or (answer_id and name in (None, "unknown")):
        return "answer"
    if name == "handoff":
        return "handoff"
    if name == "fallback":
        if reason in ASK_REASONS:
            return "ask_procedure"
        if reason in REFUSAL_REASONS:
            return "refusal"
        return "referral"
    text = _fold(reply_text)
    if any(c in text for c in REFUSAL_CUES):
        return "refusal"
    if any(c in text for c in ASK_CUES):
        return "ask_procedure"
    if any(c in text for c in REFERRAL_CUES):
        return "referral"
    return "other"


def score(item: Dict[str, Any], reply_text: str, answer_id: Optional[str], outcome: Union[None, str, Dict[str, Any]]) -> Dict[str, Any]:
    """Score one item's last reply. Returns {behaviour, key_fact, wrong_card, pass}."""
    did = behaviour(reply_text, answer_id, outcome)
    text = _fold(reply_text)
    records = set(item.get("records") or [])
    key_fact = any(_fold(e) in text for e in item.get("expect_any") or []) if item["expect"] == "answer" else None
    wrong_card = did == "answer" and bool(answer_id) and answer_id not in records
    if did == "answer" and not answer_id and item["expect"] != "answer":
        wrong_card = True  # an answer card where none should be, record unknown
    expect = item["expect"]
    if expect == "answer":
        ok = bool(key_fact) and not wrong_card
    elif expect == "referral":
        ok = did in ("referral", "handoff") and not wrong_card
    else:
        ok = did == expect
    return {"behaviour": did, "key_fact": key_fact, "wrong_card": wrong_card, "pass": ok}


def summarize(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    n = len(rows)
    answer_rows = [r for r in rows if r["expect"] == "answer"]
    rate = lambda sel, pred: round(sum(1 for r in sel if pred(r)) / len(sel), 3) if sel else None  # noqa: E731
    return {
        "n": n,
        "pass": rate(rows, lambda r: r["pass"]),
        "key_fact": rate(answer_rows, lambda r: r["key_fact"]),
        "wrong_card": rate(rows, lambda r: r["wrong_card"]),
        "referral": rate(rows, lambda r: r["behaviour"] in ("referral", "handoff")),
        "ask_procedure": rate(rows, lambda r: r["behaviour"] == "ask_procedure"),
        "refusal": rate(rows, lambda r: r["behaviour"] == "refusal"),
        "median_chars": int(statistics.median(len(r["reply"]) for r in rows)) if rows else None,
    }


def report(items: List[Dict[str, Any]], results: Iterable[Tuple[str, Optional[str], Any]], extra: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """Score (reply_text, answer_id, outcome) per item and build the report (also printed)."""
    rows = []
    for i, (item, (text, answer_id, outcome)) in enumerate(zip(items, results)):
        rows.append({**item, **score(item, text, answer_id, outcome), "reply": text, "answer_id": answer_id,
                     "outcome": outcome, **((extra or [{}] * len(items))[i])})
    classes = list(dict.fromkeys(r["class"] for r in rows))
    out: Dict[str, Any] = {"all": summarize(rows)}
    out["by_class"] = {c: summarize([r for r in rows if r["class"] == c]) for c in classes}
    out["by_form"] = {f: summarize([r for r in rows if r["form"] == f]) for f in FORMS if any(r["form"] == f for r in rows)}
    out["by_class_form"] = {
        c: {f: summarize([r for r in rows if r["class"] == c and r["form"] == f]) for f in FORMS
            if any(r["class"] == c and r["form"] == f for r in rows)} for c in classes}
    out["behaviour_by_class"] = {
        c: dict(sorted({b: sum(1 for r in rows if r["class"] == c and r["behaviour"] == b)
                        for b in {r["behaviour"] for r in rows if r["class"] == c}}.items())) for c in classes}
    keep = ("id", "class", "form", "turns", "expect", "records", "expect_any", "behaviour", "key_fact", "wrong_card",
            "answer_id", "outcome", "reply")
    out["failures"] = [{k: r.get(k) for k in keep} for r in rows if not r["pass"]]

    pct = lambda v: "   -" if v is None else f"{100 * v:4.0f}"  # noqa: E731
    print(f"{'':28} {'n':>4} {'pass':>5} {'fact':>5} {'wrong':>5} {'refer':>5} {'ask':>5} {'refus':>5} {'chars':>6}")

    def line(label: str, s: Dict[str, Any]) -> None:
        print(f"{label:28} {s['n']:>4} {pct(s['pass']):>5} {pct(s['key_fact']):>5} {pct(s['wrong_card']):>5} "
              f"{pct(s['referral']):>5} {pct(s['ask_procedure']):>5} {pct(s['refusal']):>5} {s['median_chars'] or 0:>6}")

    line("all", out["all"])
    for c in classes:
        line(c, out["by_class"][c])
        for f, s in out["by_class_form"][c].items():
            line(f"  {f}", s)
    for f, s in out["by_form"].items():
        line(f"form {f}", s)
    print("behaviour by class:", json.dumps(out["behaviour_by_class"], ensure_ascii=False))
    return out


def run_bot(items: List[Dict[str, Any]], log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> Tuple[list, list]:
    """The real pipeline: one sender per item, turns in order; (text, answer_id, outcome) of the last."""
    import asyncio

    import dvcbot.quiet  # noqa: F401
    from dvcbot.runtime import BotRuntime
    from server.replies import outcome_of

    runtime = BotRuntime()

    async def go():
        await runtime.warm_up()
        results, extra = [], []
        start = time.monotonic()
        for n, item in enumerate(items, 1):
            sender = f"aq-{item['id']}-{uuid.uuid4().hex[:6]}"
            for text in item["turns"]:
                turn = await runtime.ask(text, sender=sender)
            outcome = outcome_of(turn.replies)
            results.append((turn.text, outcome.get("answer_id"), outcome))
            extra.append({"intent": turn.intent, "latency_ms": round(turn.latency_ms, 1)})
            if n % 25 == 0:
                log(f"{n}/{len(items)} items, {time.monotonic() - start:.0f} s")
        return results, extra

    return asyncio.run(go())


def run_direct(items: List[Dict[str, Any]]) -> Tuple[list, list]:
    """The answering layer alone (no Rasa, no NLU): the context is carried from answer to answer."""
    from answering import Context, answer

    results, extra = [], []
    for item in items:
        ctx = Context()
        for text in item["turns"]:
            start = time.perf_counter()
            a = answer(text, ctx)
            ctx = a.context
        marker = a.payload()["dvc"]
        results.append((a.text, marker.get("answer_id"), marker))
        extra.append({"intent": a.kind, "latency_ms": round((time.perf_counter() - start) * 1000, 1)})
    return results, extra


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", default=str(ROOT / "eval" / "fresh" / "dev.jsonl"))
    parser.add_argument("--json", default=None, help="write the report with the failures here")
    parser.add_argument("--classes", default=None, help="comma-separated classes to run (default: all)")
    parser.add_argument("--limit", type=int, default=0, help="first N items only (smoke test)")
    parser.add_argument("--direct", action="store_true", help="the answering layer alone, without Rasa (fast; no NLU)")
    args = parser.parse_args()
    items = [json.loads(line) for line in open(args.file, encoding="utf-8") if line.strip()]
    if args.classes:
        wanted = {c.strip() for c in args.classes.split(",") if c.strip()}
        items = [i for i in items if i["class"] in wanted]
    if args.limit:
        items = items[: args.limit]
    from fitting import own_set_left_out

    with own_set_left_out(args.file):  # a set's own questions are never evidence for it (answering/examples.py)
        results, extra = run_direct(items) if args.direct else run_bot(items)
    out = report(items, results, extra)
    out["file"] = str(args.file)
    latencies = [e["latency_ms"] for e in extra]
    if latencies:
        out["latency_ms"] = {"p50": round(statistics.median(latencies), 1), "max": round(max(latencies), 1)}
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
