"""The dev / held-out split of the nineteenth breadth set (eval/breadth19): fixed and reproducible.

The item ids are sorted, shuffled with `random.Random("breadth19-round30")`, and the first half (40
of 80) go to dev.jsonl, the rest to heldout.jsonl (both in id order). Half, as in eval/breadth3 ..
eval/breadth18 (not 40 % as in the first sets): this set may also feed the fitted gates
(benchmarks/verifier_fit.py, rescue_fit.py), which need labelled dev rows. Run it to check the two
files hold exactly that split (exit 1 if not), or with --write to write them from items.jsonl (then
deleted).

    python3 eval/breadth19/split.py [--write]

Reading heldout.jsonl here only re-derives the split; it prints ids and counts, never questions.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from splitting import PlainSplit, read  # noqa: E402,F401  (read: for the validators)

SEED = "breadth19-round30"
DEV_SHARE = 0.5
SPLIT = PlainSplit(HERE, SEED, lambda n: round(n * DEV_SHARE))
DEV, HELDOUT, ITEMS = SPLIT.dev, SPLIT.heldout, SPLIT.items
dev_ids, dev_size = SPLIT.dev_ids, SPLIT.dev_size

if __name__ == "__main__":
    sys.exit(SPLIT.main(sys.argv[1:]))
