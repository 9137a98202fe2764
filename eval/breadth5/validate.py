"""Check the fifth breadth set (eval/breadth5/dev.jsonl + heldout.jsonl, or items.jsonl before the split)
with the checks of eval/breadthcheck.py: ids b5-NNN, compared with eval/breadth .. eval/breadth4.

    python3 eval/breadth5/validate.py [--items]
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import split  # noqa: E402  (eval/breadth5/split.py)
from breadthcheck import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("breadth5", "b5", ("breadth2", "breadth3", "breadth4"), split))
