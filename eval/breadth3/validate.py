"""Check the third breadth set (eval/breadth3/dev.jsonl + heldout.jsonl, or items.jsonl before the split)
with the checks of eval/breadthcheck.py: ids b3-NNN, compared with eval/breadth and eval/breadth2.

    python3 eval/breadth3/validate.py [--items]
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import split  # noqa: E402  (eval/breadth3/split.py)
from breadthcheck import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("breadth3", "b3", ("breadth2",), split))
