"""Fit the second look (answering/rescue.py) and write answering/rescue.json.

Every referral the answering layer gives, with nothing in context, to a training question is a
row for each of its candidates (`rescue.candidates`):
- the record retrieval ranks first, and the record of the closest labelled question of another
  set when it is a different one (both read by the record regression): right when it is one of
  the question's labelled records and the question expects an answer (fresh sets), or the target
  record (breadth sets);
- the registry-only procedure the encoder puts closest, and the one of the closest labelled
  question of another set when it is a different one (both read by the registry regression):
  right when its code is the breadth target's code, else wrong; not labelled for the fresh sets,
  which name no codes (their benchmark counts a registry reply as a referral).

Two logistic regressions (balanced classes) turn the evidence into probabilities. The thresholds
are chosen by leave-one-set-out: each set's rows are scored by models fitted on the other sets,
and the grid point with the best (right answers − COST × wrong answers) over all rows wins.

Training: `fitting.TRAIN`, as benchmarks/verifier_fit.py: both halves of every set already read as
a test, and the dev halves of `fitting.TESTING`, whose held-out halves test it (eval/README.md,
round 16).

    .venv/bin/python benchmarks/rescue_fit.py [--dry-run]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from fitting import COST, TRAIN  # noqa: E402  (every half read as a test, and the dev halves of the test sets)

GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
C = 0.5  # inverse regularisation
# the registry side answers a procedure from the encoder and words alone: never below this, whatever
# leave-one-set-out says (round 15: at 0.65 it gained 4 dev passes over 0.8, but answered the unit
# tests' guard questions wrongly: a pet "nuôi chó" as re-registering an adoption, an accentless tax
# question as another tax procedure). Round 17 raised it to 0.9: with the labelled questions' evidence
# a drone permit for filming a wedding ("xin phép bay flycam quay đám cưới"), unlike any labelled
# question, got the permit to put up a wedding tent on the pavement at 0.88 (leave-one-set-out:
# 0.8 gains 78 and adds 14 wrong answers, 0.9 gains 56 and adds 8)
REGISTRY_FLOOR = 0.9


def rows() -> List[Dict]:
    """One row per eligible referral: its candidates, whether each is the right record or
    procedure, and what answering it instead would do to the benchmark's verdict."""
    from answering import Nlu, rescue
    from answering.core import _once, rescued
    from fitting import replay, verdict

    out = []
    for name, split, item, question, before, reply in replay(TRAIN, second_look=False):
        if not rescue.eligible(reply, before, False):
            continue
        found = rescue.candidates(question, reply, before, _once(None, question)())
        rec_ok, reg_ok = labels(item, found.record, found.code)
        alt_ok, _ = labels(item, found.alternative, None)
        _, code_alt_ok = labels(item, None, found.code_alternative)
        was = verdict(item, reply)
        effects = {}
        for part, ident in (("record", found.record), ("alternative", found.alternative), ("registry", found.code),
                            ("code_alternative", found.code_alternative)):
            kind = "registry" if part in ("registry", "code_alternative") else "record"
            instead = rescued(question, reply, Nlu(), found, kind, ident, 0.5) if ident else None
            if instead is None:
                effects[part] = None  # nothing would change
                continue
            now = verdict(item, instead)
            effects[part] = {"gain": int(now["pass"] and not was["pass"]), "lost": int(was["pass"] and not now["pass"]),
                             "wrong": int(now["wrong_card"] and not was["wrong_card"])}
        out.append({"set": name, "split": split, "id": item["id"], "found": found, "rec_ok": rec_ok,
                    "alt_ok": alt_ok, "reg_ok": reg_ok, "code_alt_ok": code_alt_ok, "effects": effects})
    return out


def labels(item: Dict, record: Optional[str], code: Optional[str]) -> tuple:
    """(is `record` right, is `code` right) for the item; the registry side is not labelled for
    the fresh sets (None)."""
    if "target" in item:
        target = item["target"]
        rec = bool(record) and record == (target.get("record") or None)
        reg = bool(code) and code == (target.get("code") or None) and not target.get("record")
        return rec, reg
    answer = item["expect"] == "answer"
    rec = answer and record in (item.get("records") or [])
    return rec, None


def outcome(data: List[Dict], rec_p: np.ndarray, alt_p: np.ndarray, reg_p: np.ndarray, t_rec: float,
            t_reg: float, code_alt_p: Optional[np.ndarray] = None) -> Dict[str, int]:
    """What answering the most probable candidate above its threshold does to the benchmarks:
    passes gained, passes lost, wrong cards added, and gained − lost − COST × wrong."""
    gain = lost = wrong = 0
    code_alt_p = np.zeros(len(data)) if code_alt_p is None else code_alt_p
    for row, pr, pa, pg, pc in zip(data, rec_p, alt_p, reg_p, code_alt_p):
        options = [(p, row["effects"][part]) for part, p, t in (("record", pr, t_rec), ("alternative", pa, t_rec),
                                                                   ("registry", pg, t_reg), ("code_alternative", pc, t_reg))
                   if row["effects"].get(part) and p >= t]
        if not options:
            continue
        _, effect = max(options, key=lambda o: o[0])
        gain, lost, wrong = gain + effect["gain"], lost + effect["lost"], wrong + effect["wrong"]
    return {"gain": gain, "lost": lost, "wrong": wrong, "utility": gain - lost - COST * wrong}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dry-run", action="store_true", help="report, do not write rescue.json")
    parser.add_argument("--verbose", action="store_true", help="right and wrong answers at each threshold")
    args = parser.parse_args()
    from sklearn.metrics import roc_auc_score

    from answering import rescue
    from fitting import fit, held_out, save, written

    data = rows()
    sets = np.array([r["set"] for r in data])
    parts = {}
    # the record regression reads both record candidates (retrieval's first, the closest labelled
    # question's); the registry regression its one candidate
    for part, names, sides in (("record", rescue.RECORD_FEATURES, (("record", "rec_ok", "record_values"),
                                                                   ("alternative", "alt_ok", "alternative_values"))),
                               ("registry", rescue.REGISTRY_FEATURES, (("registry", "reg_ok", "registry_values"),
                                                                       ("code_alternative", "code_alt_ok", "code_alternative_values")))):
        use = [(i, side, key, attr) for side, key, attr in sides for i, r in enumerate(data)
               if r["effects"].get(side) and r[key] is not None]
        X = np.array([[getattr(data[i]["found"], attr)[f] for f in names] for i, _, _, attr in use])
        y = np.array([int(data[i][key]) for i, _, key, _ in use])
        held = held_out(X, y, np.array([sets[i] for i, _, _, _ in use]), C)
        probs = {side: np.zeros(len(data)) for side, _, _ in sides}
        for (i, side, _, _), p in zip(use, held):
            probs[side][i] = p
        auc = roc_auc_score(y, held) if len(set(y)) == 2 else float("nan")
        print(f"{part}: {len(use)} rows, {int(y.sum())} right; leave-one-set-out AUC {auc:.3f}")
        parts[part] = {"names": names, "X": X, "y": y, "probs": probs, "auc": auc, "rows": len(use), "right": int(y.sum())}
    print(f"referrals read: {len(data)}")
    rec_p, alt_p, reg_p = parts["record"]["probs"]["record"], parts["record"]["probs"]["alternative"], parts["registry"]["probs"]["registry"]
    code_alt_p = parts["registry"]["probs"]["code_alternative"]
    if args.verbose:
        for t in GRID:
            print(f"  t={t}: record only {outcome(data, rec_p, alt_p, reg_p, t, 9, code_alt_p)}"
                  f"  retrieval's record only {outcome(data, rec_p, alt_p * 0, reg_p, t, 9, code_alt_p)}"
                  f"  registry only {outcome(data, rec_p, alt_p, reg_p, 9, t, code_alt_p)}"
                  f"  encoder's registry only {outcome(data, rec_p, alt_p, reg_p, 9, t)}")
    best: Optional[tuple] = None
    for t_rec in GRID:
        for t_reg in (t for t in GRID if t >= REGISTRY_FLOOR):
            got = outcome(data, rec_p, alt_p, reg_p, t_rec, t_reg, code_alt_p)
            key = (got["utility"], t_rec + t_reg)  # ties: the stricter pair
            if best is None or key > best[0]:
                best = (key, t_rec, t_reg, got)
    _, t_rec, t_reg, got = best
    print(f"chosen thresholds record {t_rec}, registry {t_reg}: leave-one-set-out {got}")
    for name in sorted(set(sets)):
        mask = [s == name for s in sets]
        sub = [r for r, m in zip(data, mask) if m]
        print(f"  {name:9s} {outcome(sub, rec_p[mask], alt_p[mask], reg_p[mask], t_rec, t_reg, code_alt_p[mask])}")
    out = {"trained_on": [f"eval/{n}/{s}.jsonl" for n, s in TRAIN], "cost_of_a_wrong_answer": COST,
           "measured": [f"{p}: leave-one-set-out AUC {parts[p]['auc']:.3f} on {parts[p]['rows']} rows ({parts[p]['right']} right)"
                        for p in parts] + [f"leave-one-set-out at the thresholds: {got}"]}
    for part, threshold in (("record", t_rec), ("registry", t_reg)):
        out[part] = {**written(fit(parts[part]["X"], parts[part]["y"], C), parts[part]["names"]), "threshold": threshold}
        print(part, ", ".join(f"{n} {w:+.2f}" for n, w in sorted(zip(parts[part]["names"], out[part]["weights"]), key=lambda p: -abs(p[1]))))
    save(out, rescue.WEIGHTS, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
