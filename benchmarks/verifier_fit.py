"""Fit the answer verifier (answering/verify.py) and write answering/verifier.json.

Every answer card the answering layer gives on the training questions is a row: the evidence
behind the card (`verify.features`) and whether the card was about another record than the
question's labelled records (the benchmark's "wrong card"). A logistic regression, with balanced
classes, turns the evidence into a doubt score.

The threshold is chosen by leave-one-set-out: each training set is scored by a model fitted on
the others. A card in doubt becomes a referral, so a doubted card passes only where the question
expected a referral. The threshold is the grid point with the best utility over all training
questions: passes gained or lost, plus COST for each wrong card it turns into a referral (as
rescue_fit.py weighs a wrong answer).

Training sets: `fitting.TRAIN`, both halves of every set a round has already read as a test, and
the dev halves of the sets whose held-out halves test the fit (`fitting.TESTING`), which are never
read here (eval/README.md, round 16). A breadth card is wrong unless it is the target record.

    .venv/bin/python benchmarks/verifier_fit.py [--dry-run]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from fitting import COST, TRAIN  # noqa: E402  (every half read as a test, and the dev halves of the test sets)

GRID = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
C = 1.0  # inverse regularisation of the logistic regression


def rows() -> List[Dict]:
    """One row per training question whose last reply (without the verifier) is a card."""
    from answering import Nlu, verify
    from answering.core import _once, _verifiable  # the retrieval the layer runs; the cards it verifies
    from fitting import replay, verdict

    out = []
    for name, split, item, question, before, card in replay(TRAIN, verify=False, second_look=False):
        if not _verifiable(card, Nlu()):
            continue  # no card, or one chosen by the citizen or the conversation: never verified
        results = _once(None, question)()
        judged = verdict(item, card)
        if "target" in item:  # a breadth question: its card is right only about the target record
            expect = "answer" if item["target"].get("record") else "registry"
        else:
            expect = item["expect"]
        out.append({"set": name, "split": split, "id": item["id"], "expect": expect,
                    "wrong": bool(judged["wrong_card"]), "pass": bool(judged["pass"]),
                    "x": verify.features(question, card, before, results)})
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dry-run", action="store_true", help="report, do not write verifier.json")
    args = parser.parse_args()
    from sklearn.metrics import roc_auc_score

    from answering import examples, verify
    from fitting import fit, held_out, save, written

    data = rows()
    X = np.array([[r["x"][f] for f in verify.FEATURES] for r in data])
    y = np.array([r["wrong"] for r in data], dtype=int)
    sets = np.array([r["set"] for r in data])
    held = held_out(X, y, sets, C)
    print(f"cards {len(data)}, wrong {int(y.sum())}; leave-one-set-out AUC {roc_auc_score(y, held):.3f}")
    keep = [i for i, f in enumerate(verify.FEATURES) if f not in (*examples.FEATURES, *examples.VOTE_FEATURES)]
    print(f"  without the labelled questions' evidence: AUC {roc_auc_score(y, held_out(X[:, keep], y, sets, C)):.3f}")
    measured, utility = [], {}
    for t in GRID:
        flagged = held >= t
        passes = sum(int(r["expect"] == "referral") - int(r["pass"]) for r, f in zip(data, flagged) if f)
        wrong = int(sum(y[flagged]))
        utility[t] = passes + COST * wrong
        line = (f"threshold {t:.2f}: {int(flagged.sum())} cards doubted, wrong cards -{wrong}, passes {passes:+d}, "
                f"utility {utility[t]:+d}")
        print(line)
        measured.append(line)
    chosen = max(GRID, key=lambda t: (utility[t], t))  # on a tie, the higher threshold (fewer referrals)
    out = {**written(fit(X, y, C), verify.FEATURES), "threshold": chosen,
           "trained_on": [f"eval/{n}/{s}.jsonl" for n, s in TRAIN],
           "measured": [f"leave-one-set-out AUC {roc_auc_score(y, held):.3f} on {len(data)} cards ({int(y.sum())} wrong)",
                        *measured]}
    print(f"chosen threshold {chosen}")
    for name, weight in sorted(zip(verify.FEATURES, out["weights"]), key=lambda p: -abs(p[1])):
        print(f"  {name:14s} {weight:+.3f}")
    save(out, verify.WEIGHTS, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
