"""The dev / held-out split of the breadth set (eval/breadth): fixed and reproducible.

The item ids are sorted, shuffled with `random.Random("breadth-round9")`, and the first 40 go to
dev.jsonl, the rest to heldout.jsonl (both written in id order). Run it to check that the two files
hold exactly that split (exit 1 if not), or with --write to write them from items.jsonl (the unsplit
file the questions were written in), which is then deleted; without items.jsonl, --write rewrites
the two files from their union.

    python3 eval/breadth/split.py [--write]

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from splitting import PlainSplit, read  # noqa: E402,F401  (read: for the validators)

SEED = "breadth-round9"
DEV_SIZE = 40
SPLIT = PlainSplit(HERE, SEED, lambda n: min(DEV_SIZE, n))
DEV, HELDOUT, ITEMS = SPLIT.dev, SPLIT.heldout, SPLIT.items
dev_ids, dev_size = SPLIT.dev_ids, SPLIT.dev_size

if __name__ == "__main__":
    sys.exit(SPLIT.main(sys.argv[1:]))
