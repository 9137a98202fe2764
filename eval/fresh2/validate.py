"""Check the round-5 fresh sets (eval/fresh2/dev.jsonl + heldout.jsonl, or items.jsonl while they are
being written) against the knowledge base. Adapted from eval/validate_fresh.py.

Run from anywhere:  python3 eval/fresh2/validate.py [--items]
Exits 1 on any error; warnings are printed but do not fail. Prints counts and ids only, never the
questions of a held-out split (neither eval/fresh2/heldout.jsonl nor eval/fresh/heldout.jsonl).

Differences from eval/validate_fresh.py:
- ids are "f2-<prefix>-NNN";
- the expectation is chosen honestly from the knowledge, not from the class: an in-catalog class
  (general, neighbours, detail, followup) may expect "referral" when no record answers the question,
  and an out_of_catalog item may expect "answer" when a document does answer it; both are counted
  and listed (ids) as warnings;
- duplicates are checked against every question under eval/ (answers_dev, retrieval_dev,
  nlu_test.yml, eval/fresh/dev.jsonl and, by comparison keys only, eval/fresh/heldout.jsonl);
- class counts and form shares are checked against the brief.
The checks themselves live in eval/setcheck.py, shared with the other fresh sets.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import split  # noqa: E402  (eval/fresh2/split.py)
from setcheck import SetSpec, run  # noqa: E402

SPEC = SetSpec(
    name="fresh2", id_prefix="f2", split=split, classes=split.CLASSES,
    prefix={"general": "gen", "neighbours": "nb", "detail": "det", "followup": "fu", "no_context": "nc",
            "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"},
    counts={"general": 45, "neighbours": 45, "detail": 40, "followup": 30, "no_context": 10,
            "out_of_catalog": 40, "portal_faq": 40, "out_of_scope": 10},
    earlier=("fresh",), skip_tbd=True,
)

if __name__ == "__main__":
    sys.exit(run(SPEC))
