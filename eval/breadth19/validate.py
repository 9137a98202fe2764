"""Check the nineteenth breadth set (eval/breadth19/dev.jsonl + heldout.jsonl, or items.jsonl before the split)
with the checks of eval/breadthcheck.py: ids b19-NNN, compared with eval/breadth .. eval/breadth18.

    python3 eval/breadth19/validate.py [--items]
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import split  # noqa: E402  (eval/breadth19/split.py)
from breadthcheck import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("breadth19", "b19", ("breadth2", "breadth3", "breadth4", "breadth5", "breadth6", "breadth7", "breadth8", "breadth9", "breadth10", "breadth11", "breadth12", "breadth13", "breadth14", "breadth15", "breadth16", "breadth17", "breadth18"), split))
