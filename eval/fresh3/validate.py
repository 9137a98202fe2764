"""Check the round-6 fresh sets (eval/fresh3/dev.jsonl + heldout.jsonl, or items.jsonl while they are
being written) against the knowledge base. Adapted from eval/fresh2/validate.py.

Run from anywhere:  python3 eval/fresh3/validate.py [--items]
Exits 1 on any error; warnings are printed but do not fail. Prints counts and ids only, never the
questions of a held-out split (neither this set's heldout.jsonl nor those of eval/fresh, eval/fresh2).

What it checks:
- fields and types; ids "f3-<prefix>-NNN"; class, form and expectation values;
- record ids exist (procedure yml stems, document ids); `expect_any` holds 1-3 strings, each copied
  verbatim (NFC, case-folded) from the knowledge, at least one from a listed record; referral,
  ask_procedure and refusal items take no records and no expect_any;
- forms: accentless turns have no diacritics, accented turns have some; shares near 45/30/25%;
- followup items have 2-3 turns, the others exactly 1;
- duplicates: inside the set, and against every question under eval/ (answers_dev, retrieval_dev,
  nlu_test.yml, fresh/dev, fresh2/dev, and by comparison key only fresh/heldout, fresh2/heldout);
  close matches (difflib >= 0.8) to older questions and to front-matter questions are warnings;
- portal_faq items cite a source page not already cited by eval/fresh or eval/fresh2 (keys only);
- the questions (id, class, form, turns, source) are those of the blind commit (written before the
  knowledge was read), when git can show it;
- class counts and the fixed-seed split (eval/fresh3/split.py).
The expectation is chosen from the knowledge, not from the class: an in-catalog class may expect
"referral" when no record states the asked fact, and an out_of_catalog item may expect "answer" when
a record does; both are listed (ids) as NOTE lines. A procedure known only from the registry (name and
code, no full record) is a "referral", as benchmarks/answer_quality.py scores a registry reply.
The checks themselves live in eval/setcheck.py, shared with the other fresh sets.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import split  # noqa: E402  (eval/fresh3/split.py)
from setcheck import SetSpec, run  # noqa: E402

BLIND_COMMIT = "6569a3c"  # eval/fresh3/items.jsonl as written before any knowledge file was read

SPEC = SetSpec(
    name="fresh3", id_prefix="f3", split=split,
    prefix={"general": "gen", "detail": "det", "followup": "fu", "no_context": "nc",
            "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"},
    counts={"general": 25, "detail": 20, "followup": 20, "no_context": 10,
            "out_of_catalog": 45, "portal_faq": 45, "out_of_scope": 15},
    earlier=("fresh", "fresh2"), max_turns=3, close_to_old=True, single_turn_keys=True,
    sources_unique=True, blind_commit=BLIND_COMMIT, records_twice=True, sorted_notes=True,
    header_sources=True,
)

if __name__ == "__main__":
    sys.exit(run(SPEC))
