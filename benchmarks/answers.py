"""Answer quality on questions the bot has never seen (eval/answers_dev.jsonl): does the
`dvc-bot ask` reply contain the key fact asked? Reported by form, with the failures.

    .venv/bin/python benchmarks/answers.py [--file eval/answers_dev.jsonl] [--json out.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dvcbot.quiet  # noqa: E402,F401


def passes(text: str, expected: list) -> bool:
    text = unicodedata.normalize("NFC", text).lower()
    return any(unicodedata.normalize("NFC", e).lower() in text for e in expected)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", default=str(ROOT / "eval" / "answers_dev.jsonl"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    from dvcbot.runtime import BotRuntime

    items = [json.loads(line) for line in open(args.file, encoding="utf-8") if line.strip()]
    runtime = BotRuntime()

    async def run():
        await runtime.warm_up()
        return [await runtime.ask(item["question"]) for item in items]

    turns = asyncio.run(run())
    rows = [{**item, "ok": passes(t.text, item["expect_any"]), "intent": t.intent, "reply": t.text, "latency_ms": t.latency_ms} for item, t in zip(items, turns)]
    report = {"n": len(rows)}
    print(f"{'form':12} {'n':>4} {'pass':>6}")
    for form in ("all", "accented", "accentless", "abbreviated"):
        selected = rows if form == "all" else [r for r in rows if r["form"] == form]
        if selected:
            rate = sum(r["ok"] for r in selected) / len(selected)
            report[form] = {"n": len(selected), "pass_rate": round(rate, 3)}
            print(f"{form:12} {len(selected):>4} {rate:>6.1%}")
    by_topic = {}
    for r in rows:
        by_topic.setdefault(r["topic"], []).append(r["ok"])
    report["by_topic"] = {t: round(sum(v) / len(v), 3) for t, v in sorted(by_topic.items())}
    print("by topic:", report["by_topic"])
    latencies = [r["latency_ms"] for r in rows]
    report["latency_ms"] = {"p50": round(statistics.median(latencies), 1), "max": round(max(latencies), 1)}
    report["failures"] = [{k: r[k] for k in ("question", "form", "topic", "expect_any", "intent", "reply")} for r in rows if not r["ok"]]
    for f in report["failures"][:40]:
        print(f"FAIL [{f['form']}/{f['topic']}] {f['question']!r} intent={f['intent']} expected={f['expect_any']} got={f['reply'][:100]!r}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
