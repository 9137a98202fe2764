"""Check the round-16b fresh set (eval/fresh9/dev.jsonl + heldout.jsonl, or items.jsonl while they are
being written) against the knowledge base, with the checks shared in eval/setcheck.py.

Run from anywhere:  python3 eval/fresh9/validate.py [--items]
Exits 1 on any error; warnings are printed but do not fail. Prints counts and ids only, never the
questions of a held-out split (neither this set's heldout.jsonl nor those of eval/fresh .. eval/fresh8).

What it checks (as eval/fresh6/validate.py does):
- fields and types; ids "f6-<prefix>-NNN"; class, form and expectation values;
- record ids exist (procedure yml stems, document ids); `expect_any` holds 1-3 strings, each copied
  verbatim (NFC, case-folded) from the knowledge, at least one from a listed record; referral,
  ask_procedure and refusal items take no records and no expect_any;
- forms: accentless turns have no diacritics (nor đ), accented turns have some; shares near 45/30/25%
  (this set was written to about 40/30/30, inside the shared tolerance);
- followup items have 2-3 turns, the others exactly 1;
- duplicates: inside the set, and against every question under eval/ (answers_dev, retrieval_dev,
  nlu_test.yml, fresh/dev .. fresh8/dev, and by comparison key only their held-out files);
  close matches (difflib >= 0.8) to older questions and to front-matter questions are warnings;
- portal_faq items cite a source page not already cited by eval/fresh .. eval/fresh8, and no page twice;
- the questions (id, class, form, turns, source) are those of the blind commit, found by its commit
  message "eval/fresh9: questions written blind" (written before the knowledge was read);
- class counts and the fixed-seed split (eval/fresh9/split.py).
The expectation is chosen from the knowledge, not from the class: an in-catalog class may expect
"referral" when no record states the asked fact, and an out_of_catalog item may expect "answer" when
a record does; both are listed (ids) as NOTE lines. A procedure known only from the registry (name and
code, no full record) is a "referral", as benchmarks/answer_quality.py scores a registry reply.

With --items, the unsplit items.jsonl may still be unlabelled ("expect": null while the questions are
written blind): such lines skip the expectation checks (SetSpec.skip_tbd); every other check runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import split  # noqa: E402  (eval/fresh9/split.py)
from setcheck import SetSpec, run  # noqa: E402

SPEC = SetSpec(
    name="fresh9", id_prefix="f9", split=split,
    prefix={"general": "gen", "detail": "det", "followup": "fu", "no_context": "nc",
            "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"},
    counts={"general": 15, "detail": 25, "followup": 12, "no_context": 3,
            "out_of_catalog": 15, "portal_faq": 15, "out_of_scope": 5},
    earlier=("fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8"), max_turns=3, close_to_old=True,
    single_turn_keys=True, sources_unique=True, blind_commit="grep:eval/fresh9: questions written blind",
    records_twice=True, sorted_notes=True, header_sources=True,
    skip_tbd="--items" in sys.argv,  # unlabelled lines ("expect": null) only while items.jsonl is written
)

if __name__ == "__main__":
    sys.exit(run(SPEC))
