"""Check the seventh breadth set (eval/breadth7/dev.jsonl + heldout.jsonl, or items.jsonl before the split)
with the checks of eval/breadthcheck.py: ids b7-NNN, compared with eval/breadth .. eval/breadth6.

    python3 eval/breadth7/validate.py [--items]
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import split  # noqa: E402  (eval/breadth7/split.py)
from breadthcheck import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("breadth7", "b7", ("breadth2", "breadth3", "breadth4", "breadth5", "breadth6"), split))
