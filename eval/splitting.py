"""The fixed dev / held-out split shared by the fresh sets (eval/fresh, eval/fresh2): within each
class the item ids are sorted, shuffled with `random.Random(f"{seed}-{class}")` and the first 40%
(rounded) go to dev.jsonl, the rest to heldout.jsonl. Each set's split.py names its folder and seed.

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

DEV_SHARE = 0.4
CLASSES = ("general", "neighbours", "detail", "followup", "no_context", "out_of_catalog", "portal_faq", "out_of_scope")


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class FixedSplit:
    def __init__(self, folder: Path, seed: str, items_file: str = "") -> None:
        self.dev, self.heldout = folder / "dev.jsonl", folder / "heldout.jsonl"
        self.items = folder / items_file if items_file else None  # the unsplit file, when kept
        self.seed = seed

    def dev_ids(self, items: list[dict]) -> set[str]:
        by_class: dict[str, list[str]] = defaultdict(list)
        for item in items:
            by_class[item["class"]].append(item["id"])
        chosen: set[str] = set()
        for cls, ids in by_class.items():
            ids = sorted(ids)
            random.Random(f"{self.seed}-{cls}").shuffle(ids)
            chosen.update(ids[: round(len(ids) * DEV_SHARE)])
        return chosen

    def write(self, items: list[dict]) -> None:
        chosen = self.dev_ids(items)
        order = {c: i for i, c in enumerate(CLASSES)}
        items = sorted(items, key=lambda r: (order.get(r["class"], 99), r["id"]))
        for path, keep in ((self.dev, True), (self.heldout, False)):
            rows = [r for r in items if (r["id"] in chosen) == keep]
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def main(self) -> int:
        parser = argparse.ArgumentParser()
        parser.add_argument("--write", action="store_true", help="rewrite dev.jsonl and heldout.jsonl from their union")
        args = parser.parse_args()
        dev, held = read(self.dev), read(self.heldout)
        if args.write:
            self.write((read(self.items) if self.items else []) or dev + held)
            dev, held = read(self.dev), read(self.heldout)
        chosen = self.dev_ids(dev + held)
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
