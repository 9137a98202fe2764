"""The dev / held-out split of the round-5 fresh sets (eval/fresh2): reproducible, at random per class.

Within each class the item ids are sorted, shuffled with `random.Random(f"fresh2-round5-{class}")`
and the first 40% (rounded) go to dev.jsonl, the rest to heldout.jsonl. Run it to check that the
two files still hold that split (exit 1 if not), or with --write to rewrite them from their union
(or from items.jsonl, the unsplit file the questions were written in, if it exists; ids are never
reused):

    python3 eval/fresh2/split.py [--write]

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ITEMS, DEV, HELDOUT = HERE / "items.jsonl", HERE / "dev.jsonl", HERE / "heldout.jsonl"
DEV_SHARE = 0.4
CLASSES = ("general", "neighbours", "detail", "followup", "no_context", "out_of_catalog", "portal_faq", "out_of_scope")


def dev_ids(items: list[dict]) -> set[str]:
    by_class: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_class[item["class"]].append(item["id"])
    chosen: set[str] = set()
    for cls, ids in by_class.items():
        ids = sorted(ids)
        random.Random(f"fresh2-round5-{cls}").shuffle(ids)
        chosen.update(ids[: round(len(ids) * DEV_SHARE)])
    return chosen


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(items: list[dict]) -> None:
    chosen = dev_ids(items)
    order = {c: i for i, c in enumerate(CLASSES)}
    items = sorted(items, key=lambda r: (order.get(r["class"], 99), r["id"]))
    for path, keep in ((DEV, True), (HELDOUT, False)):
        rows = [r for r in items if (r["id"] in chosen) == keep]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="rewrite dev.jsonl and heldout.jsonl (from items.jsonl if present)")
    args = parser.parse_args()
    dev, held = read(DEV), read(HELDOUT)
    if args.write:
        items = read(ITEMS) or dev + held
        write(items)
        dev, held = read(DEV), read(HELDOUT)
    items = dev + held
    chosen = dev_ids(items)
    wrong = [r["id"] for r in dev if r["id"] not in chosen] + [r["id"] for r in held if r["id"] in chosen]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in dev:
        counts[r["class"]][0] += 1
    for r in held:
        counts[r["class"]][1] += 1
    print(f"{'class':16} {'dev':>4} {'held':>5}")
    for cls in CLASSES:
        d, h = counts.get(cls, [0, 0])
        print(f"{cls:16} {d:>4} {h:>5}")
    print(f"{'total':16} {len(dev):>4} {len(held):>5}")
    if wrong:
        print(f"ERROR: {len(wrong)} item(s) in the wrong file: {wrong[:10]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
