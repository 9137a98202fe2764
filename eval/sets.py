"""Split and check an evaluation set that its eval/<name>/set.json describes: the one file a new
set needs beside its questions and README, in place of a split.py and a validate.py of its own
(the sets up to eval/fresh22 and eval/breadth18 keep theirs, as they were written).

    python3 eval/sets.py split NAME [--write]   # check the fixed split, or write it from items.jsonl
    python3 eval/sets.py check NAME [--items]   # the shared checks: setcheck.py or breadthcheck.py

set.json holds what differs from one set to the next:
- a fresh set: {"kind": "fresh", "seed": "fresh23-round30", "id_prefix": "f23", "counts": {class: n}}.
  40 % of each class go to dev; the checks are fresh23's: compared with every earlier fresh set
  (held-out questions by comparison key only) and their portal_faq sources, follow-ups of 2 or 3
  turns, and the blind commit found by its message "eval/<name>: questions written blind".
- a breadth set: {"kind": "breadth", "seed": "breadth19-round30", "id_prefix": "b19"}. Half goes to
  dev; compared with eval/breadth2 .. the set before it (and, through them, eval/breadth, the fresh
  sets and nlu_test.yml).

Both print counts and ids only, never a question of a held-out split.
"""
from __future__ import annotations

import sys
from pathlib import Path

EVAL = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL))
from splitting import described, sets_of  # noqa: E402

FRESH_PREFIX = {"general": "gen", "detail": "det", "followup": "fu", "no_context": "nc",
                "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"}
USAGE = "usage: python3 eval/sets.py split|check NAME [--write | --items]"


def before(name: str, kind: str, first: str) -> tuple[str, ...]:
    """The sets of `kind` before `name`, from `first` on."""
    order = sets_of(kind)
    return tuple(order[order.index(first):order.index(name)])


def check(name: str, split) -> int:
    spec = split.spec
    if spec["kind"] == "breadth":
        from breadthcheck import run

        return run(name, spec["id_prefix"], before(name, "breadth", "breadth2"), split)
    from setcheck import SetSpec, run

    return run(SetSpec(
        name=name, id_prefix=spec["id_prefix"], split=split, prefix=FRESH_PREFIX, counts=spec["counts"],
        earlier=before(name, "fresh", "fresh"), max_turns=3, close_to_old=True, single_turn_keys=True,
        sources_unique=True, blind_commit=f"grep:eval/{name}: questions written blind", records_twice=True,
        sorted_notes=True, header_sources=True,
        skip_tbd="--items" in sys.argv,  # unlabelled lines ("expect": null) only while items.jsonl is written
    ))


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("split", "check") or not (EVAL / argv[1] / "set.json").exists():
        print(USAGE + ("" if len(argv) < 2 else f"\n(no eval/{argv[1]}/set.json)"), file=sys.stderr)
        return 2
    command, name, rest = argv[0], argv[1], argv[2:]
    split = described(name)
    sys.argv = [f"eval/sets.py {command} {name}", *rest]  # the shared checks read their options here
    return split.main(rest) if command == "split" else check(name, split)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
