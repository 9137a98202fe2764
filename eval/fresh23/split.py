"""The dev / held-out split of the round-30 fresh set (eval/fresh23): reproducible, at random per class.

Within each class the item ids are sorted, shuffled with `random.Random(f"fresh23-round30-{class}")`
and the first 40% (rounded) go to dev.jsonl, the rest to heldout.jsonl. Run it to check that the
two files still hold that split (exit 1 if not), or with --write to rewrite them from their union
(or from items.jsonl, the unsplit file the questions were written in, if it exists; ids are never
reused):

    python3 eval/fresh23/split.py [--write]

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from splitting import CLASSES, FixedSplit, read  # noqa: E402,F401

SPLIT = FixedSplit(HERE, "fresh23-round30", "items.jsonl")
DEV, HELDOUT, ITEMS = SPLIT.dev, SPLIT.heldout, SPLIT.items
dev_ids = SPLIT.dev_ids

if __name__ == "__main__":
    sys.exit(SPLIT.main())
