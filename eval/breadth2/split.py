"""The dev / held-out split of the second breadth set (eval/breadth2): fixed and reproducible.

The item ids are sorted, shuffled with `random.Random("breadth2-round13")`, and the first 40 % (40 of
100) go to dev.jsonl, the rest to heldout.jsonl (both written in id order). Run it to check that the
two files hold exactly that split (exit 1 if not), or with --write to write them from items.jsonl
(the unsplit file the questions were written in), which is then deleted; without items.jsonl,
--write rewrites the two files from their union.

    python3 eval/breadth2/split.py [--write]

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEV, HELDOUT, ITEMS = HERE / "dev.jsonl", HERE / "heldout.jsonl", HERE / "items.jsonl"
SEED = "breadth2-round13"
DEV_SHARE = 0.4


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_size(n: int) -> int:
    return round(n * DEV_SHARE)


def dev_ids(items: list[dict]) -> set[str]:
    ids = sorted(item["id"] for item in items)
    random.Random(SEED).shuffle(ids)
    return set(ids[:dev_size(len(ids))])


def _write(path: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sorted(rows, key=lambda r: r["id"]))
    path.write_text(text, encoding="utf-8")


def check() -> int:
    dev, held = read(DEV), read(HELDOUT)
    if not dev and not held:
        print(f"no {DEV.name} / {HELDOUT.name} yet" + (f" ({ITEMS.name} is unsplit: run with --write)" if ITEMS.exists() else ""))
        return 1
    ids = [r["id"] for r in dev + held]
    chosen = dev_ids(dev + held)
    wrong = sorted([r["id"] for r in dev if r["id"] not in chosen] + [r["id"] for r in held if r["id"] in chosen])
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    want = dev_size(len(set(ids)))
    print(f"dev {len(dev)}, heldout {len(held)}, seed {SEED!r}")
    if dupes:
        print("ids in more than one line:", ", ".join(dupes))
    if wrong:
        print("in the wrong file:", ", ".join(wrong))
    if len(dev) != want:
        print(f"dev should hold {want} items")
    ok = not wrong and not dupes and len(dev) == want
    print("split OK" if ok else "split differs")
    return 0 if ok else 1


def write() -> int:
    rows = read(ITEMS) if ITEMS.exists() else read(DEV) + read(HELDOUT)
    if not rows:
        print("nothing to split")
        return 1
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        print("duplicate ids; not written")
        return 1
    chosen = dev_ids(rows)
    _write(DEV, [r for r in rows if r["id"] in chosen])
    _write(HELDOUT, [r for r in rows if r["id"] not in chosen])
    if ITEMS.exists():
        ITEMS.unlink()
        print(f"removed {ITEMS.name}")
    print(f"wrote dev {len(chosen)}, heldout {len(rows) - len(chosen)}")
    return 0


if __name__ == "__main__":
    sys.exit(write() if "--write" in sys.argv[1:] else check())
