"""The fixed dev / held-out split shared by the fresh sets (eval/fresh, eval/fresh2): within each
class the item ids are sorted, shuffled with `random.Random(f"{seed}-{class}")` and the first 40%
(rounded) go to dev.jsonl, the rest to heldout.jsonl. Each set up to eval/fresh22 and
eval/breadth18 names its folder and seed in its own split.py; from eval/fresh23 and eval/breadth19
on, its set.json does (`described`, eval/sets.py), and `load_split` reads either.

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import random
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

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


class PlainSplit:
    """A split without classes (the breadth sets): the item ids sorted, shuffled with
    `random.Random(seed)`, and the first `dev_size(n)` go to dev.jsonl, the rest to heldout.jsonl
    (both written in id order). `check` tells whether the two files hold exactly that split;
    `write` writes them from items.jsonl (then deleted) or, without it, from their union."""

    def __init__(self, folder: Path, seed: str, dev_size) -> None:
        self.dev, self.heldout, self.items = folder / "dev.jsonl", folder / "heldout.jsonl", folder / "items.jsonl"
        self.seed, self.dev_size = seed, dev_size

    def dev_ids(self, items: list[dict]) -> set[str]:
        ids = sorted(item["id"] for item in items)
        random.Random(self.seed).shuffle(ids)
        return set(ids[:self.dev_size(len(ids))])

    @staticmethod
    def _write(path: Path, rows: list[dict]) -> None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sorted(rows, key=lambda r: r["id"]))
        path.write_text(text, encoding="utf-8")

    def check(self) -> int:
        dev, held = read(self.dev), read(self.heldout)
        if not dev and not held:
            print(f"no {self.dev.name} / {self.heldout.name} yet"
                  + (f" ({self.items.name} is unsplit: run with --write)" if self.items.exists() else ""))
            return 1
        ids = [r["id"] for r in dev + held]
        chosen = self.dev_ids(dev + held)
        wrong = sorted([r["id"] for r in dev if r["id"] not in chosen] + [r["id"] for r in held if r["id"] in chosen])
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        want = self.dev_size(len(set(ids)))
        print(f"dev {len(dev)}, heldout {len(held)}, seed {self.seed!r}")
        if dupes:
            print("ids in more than one line:", ", ".join(dupes))
        if wrong:
            print("in the wrong file:", ", ".join(wrong))
        if len(dev) != want:
            print(f"dev should hold {want} items")
        ok = not wrong and not dupes and len(dev) == want
        print("split OK" if ok else "split differs")
        return 0 if ok else 1

    def write(self) -> int:
        rows = read(self.items) if self.items.exists() else read(self.dev) + read(self.heldout)
        if not rows:
            print("nothing to split")
            return 1
        ids = [r["id"] for r in rows]
        if len(set(ids)) != len(ids):
            print("duplicate ids; not written")
            return 1
        chosen = self.dev_ids(rows)
        self._write(self.dev, [r for r in rows if r["id"] in chosen])
        self._write(self.heldout, [r for r in rows if r["id"] not in chosen])
        if self.items.exists():
            self.items.unlink()
            print(f"removed {self.items.name}")
        print(f"wrote dev {len(chosen)}, heldout {len(rows) - len(chosen)}")
        return 0

    def main(self, argv: list[str]) -> int:
        return self.write() if "--write" in argv else self.check()


EVAL = Path(__file__).resolve().parent
BREADTH_DEV_SHARE = 0.5  # the breadth sets from eval/breadth3 on: half to dev


def described(folder: str) -> SimpleNamespace:
    """The split of eval/<folder> as its set.json describes it ({"kind": "fresh" | "breadth",
    "seed": ...}), with what a set's own split.py offers: DEV, HELDOUT, ITEMS, dev_ids, read, main."""
    here = EVAL / folder
    spec = json.loads((here / "set.json").read_text(encoding="utf-8"))
    if spec["kind"] == "fresh":
        split = FixedSplit(here, spec["seed"], "items.jsonl")
        run = lambda argv: split.main()  # noqa: E731  (FixedSplit reads --write from sys.argv)
    else:
        split = PlainSplit(here, spec["seed"], lambda n: round(n * BREADTH_DEV_SHARE))
        run = split.main
    return SimpleNamespace(DEV=split.dev, HELDOUT=split.heldout, ITEMS=split.items, dev_ids=split.dev_ids,
                           read=read, main=run, spec=spec)


def load_split(folder: str):
    """The split of eval/<folder>: from its set.json, or its own split.py (the earlier sets)."""
    if (EVAL / folder / "set.json").exists():
        return described(folder)
    spec = importlib.util.spec_from_file_location(f"{folder.replace('-', '_')}_split", EVAL / folder / "split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sets_of(kind: str) -> list[str]:
    """The folders of the evaluation sets of `kind` ("fresh", "breadth"), in their order
    (fresh, fresh2, ..., fresh23)."""
    found = [p.name for p in EVAL.iterdir() if p.is_dir() and p.name.startswith(kind)
             and (p.name == kind or p.name[len(kind):].isdigit())
             and ((p / "split.py").exists() or (p / "set.json").exists())]
    return sorted(found, key=lambda name: int(name[len(kind):] or 1))

