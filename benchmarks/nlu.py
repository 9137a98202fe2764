"""NLU evaluation on the team's held-out split (eval/nlu_test.yml), by form.

    .venv/bin/python benchmarks/nlu.py [--model models/dvc-bot-....tar.gz] [--json out.json]

Uses the current trained model (trains one if missing, with the configured epochs). Each test
sentence goes through the same edge normalisation as live traffic. Reports intent macro-F1 and
entity micro-F1 (entity type + canonical value: procedure id, aspect value) for all, accented,
accentless and abbreviated sentences, and the confusions.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dvcbot.quiet  # noqa: E402,F401
from dvcbot import rasa_patches, training  # noqa: E402
from dvcbot.quiet import configure_logging  # noqa: E402
from knowledge.catalog import default_matcher  # noqa: E402
from knowledge.normalize import normalize_text, strip_accents  # noqa: E402

ABBREVIATIONS = {"cccd", "cmnd", "dvc", "gplx", "ko", "k", "j", "ntn", "dk", "đk", "dc", "đc", "sdt", "sđt", "mk", "tk", "bn", "e", "r", "hok", "lltp", "bhyt", "bhxh", "ad", "vs", "ms", "lm"}


def form_of(text: str) -> str:
    words = {w.strip("?.,!").lower() for w in text.split()}
    if words & ABBREVIATIONS:
        return "abbreviated"
    return "accentless" if strip_accents(text) == text.lower() or _no_marks(text) else "accented"


def _no_marks(text: str) -> bool:
    return not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text)) and "đ" not in text.lower()


def canonical(entity: str, value: str) -> str:
    """Compare what the actions use: a procedure's catalog id, an aspect's canonical value
    (a span such as "mất tiền không" is read as "fee" by answering.aspects)."""
    if entity == "procedure":
        found = default_matcher().find(value)
        return found.id if found else strip_accents(value)
    if entity == "aspect":
        from answering.aspects import ASPECTS, aspects_in

        if value in ASPECTS:
            return value
        found = aspects_in(str(value))
        return found[0] if found else strip_accents(str(value))
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--test", default=str(ROOT / "eval" / "nlu_test.yml"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    configure_logging()
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import classification_report, f1_score

    model = args.model or str(training.train())
    rasa_patches.apply()
    agent = Agent.load(model)
    examples = load_data(args.test).training_examples

    async def parse_all():
        return [await agent.parse_message(normalize_text(m.get("text"))) for m in examples]

    parsed = asyncio.run(parse_all())
    rows = []
    for message, result in zip(examples, parsed):
        gold = {(e["entity"], canonical(e["entity"], e.get("value", ""))) for e in message.get("entities") or []}
        pred = {(e["entity"], canonical(e["entity"], e.get("value", ""))) for e in result.get("entities") or []}
        rows.append({
            "text": message.get("text"), "form": form_of(message.get("text")), "gold": message.get("intent"),
            "pred": (result.get("intent") or {}).get("name"), "conf": (result.get("intent") or {}).get("confidence"),
            "tp": len(gold & pred), "fp": len(pred - gold), "fn": len(gold - pred),
        })

    def scores(selected):
        if not selected:
            return None
        labels = sorted({r["gold"] for r in selected})
        tp = sum(r["tp"] for r in selected); fp = sum(r["fp"] for r in selected); fn = sum(r["fn"] for r in selected)
        entity_f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
        return {
            "n": len(selected),
            "intent_macro_f1": round(f1_score([r["gold"] for r in selected], [r["pred"] for r in selected], labels=labels, average="macro", zero_division=0), 3),
            "intent_accuracy": round(sum(r["gold"] == r["pred"] for r in selected) / len(selected), 3),
            "entity_f1": None if entity_f1 is None else round(entity_f1, 3),
        }

    report = {"model": model, "test": args.test, "all": scores(rows)}
    for form in ("accented", "accentless", "abbreviated"):
        report[form] = scores([r for r in rows if r["form"] == form])
    report["per_intent"] = classification_report([r["gold"] for r in rows], [r["pred"] for r in rows], output_dict=True, zero_division=0)
    report["confusions"] = collections.Counter(f"{r['gold']} -> {r['pred']}" for r in rows if r["gold"] != r["pred"]).most_common(15)
    report["errors"] = [(r["text"], r["gold"], r["pred"]) for r in rows if r["gold"] != r["pred"]]
    print(f"model {model}\n{'form':12} {'n':>4} {'intent F1':>10} {'acc':>6} {'entity F1':>10}")
    for form in ("all", "accented", "accentless", "abbreviated"):
        s = report[form]
        if s:
            print(f"{form:12} {s['n']:>4} {s['intent_macro_f1']:>10} {s['intent_accuracy']:>6} {str(s['entity_f1']):>10}")
    print("top confusions:", report["confusions"][:8])
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
