"""Check the fourth breadth set (eval/breadth4/dev.jsonl + heldout.jsonl, or items.jsonl before the split)
with the checks of eval/breadthcheck.py: ids b4-NNN, compared with eval/breadth .. eval/breadth3.

    python3 eval/breadth4/validate.py [--items]
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import split  # noqa: E402  (eval/breadth4/split.py)
from breadthcheck import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("breadth4", "b4", ("breadth2", "breadth3"), split))
