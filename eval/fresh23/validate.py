"""Check the round-30 fresh set (eval/fresh23/dev.jsonl + heldout.jsonl, or items.jsonl while it is
being written) with the checks shared in eval/setcheck.py, as eval/fresh6/validate.py does (its
docstring lists them). Prints counts and ids only, never the questions of a held-out split.

    python3 eval/fresh23/validate.py [--items]

With --items, lines of the unsplit items.jsonl may still be unlabelled ("expect": null while the
questions are written blind): they skip the expectation checks (SetSpec.skip_tbd).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import split  # noqa: E402  (eval/fresh23/split.py)
from setcheck import SetSpec, run  # noqa: E402

SPEC = SetSpec(
    name="fresh23", id_prefix="f23", split=split,
    prefix={"general": "gen", "detail": "det", "followup": "fu", "no_context": "nc",
            "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"},
    counts={"general": 15, "detail": 25, "followup": 12, "no_context": 3,
            "out_of_catalog": 15, "portal_faq": 15, "out_of_scope": 5},
    earlier=("fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10", "fresh11", "fresh12", "fresh13", "fresh14", "fresh15", "fresh16", "fresh17", "fresh18", "fresh19", "fresh20", "fresh21", "fresh22"), max_turns=3, close_to_old=True,
    single_turn_keys=True, sources_unique=True, blind_commit="grep:eval/fresh23: questions written blind",
    records_twice=True, sorted_notes=True, header_sources=True,
    skip_tbd="--items" in sys.argv,  # unlabelled lines ("expect": null) only while items.jsonl is written
)

if __name__ == "__main__":
    sys.exit(run(SPEC))
