"""What the fit scripts of the answering layer's models share (benchmarks/verifier_fit.py,
benchmarks/rescue_fit.py): replaying the labelled questions through the layer, the benchmarks'
verdict on a reply, and a balanced logistic regression on standardised, clipped features (the
form answering/logistic.py scores with)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# what both fit scripts train on: every half already read as a test (held-out halves are "spent"
# once a round has read them), and the dev halves of the sets whose held-out halves test the fit
READ = ("fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10", "fresh11", "fresh12", "fresh13", "fresh14", "fresh15",
        "fresh16", "fresh17", "fresh18", "fresh19", "fresh20", "fresh21", "fresh22", "fresh23",
        "breadth", "breadth2", "breadth3", "breadth4", "breadth5", "breadth6", "breadth7", "breadth8", "breadth9", "breadth10", "breadth11",
        "breadth12", "breadth13", "breadth14", "breadth15", "breadth16", "breadth17", "breadth18", "breadth19")
TESTING = ("fresh24", "breadth20")  # round 31 (fresh23/breadth19 held-out were read three times in round 30 and are spent): never read by a fit
TRAIN = [(name, half) for name in READ for half in ("dev", "heldout")] + [(name, "dev") for name in TESTING]
# what a wrong card or answer costs against a right one, in both fits (issue 12: "worse than I don't know")
COST = 3


def set_items(name: str, split: str) -> Optional[List[Dict[str, Any]]]:
    """The items of eval/<name>/<split>.jsonl (None when the file is missing)."""
    path = ROOT / "eval" / name / f"{split}.jsonl"
    if not path.exists():
        return None
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def turns_of(item: Dict[str, Any]) -> List[str]:
    """The messages of an item: a fresh set's turns, or a breadth set's one question."""
    return item.get("turns") or [item["question"]]


def replay(sets: Sequence[Tuple[str, str]], nlu: bool = False, **options: Any) -> Iterator[Tuple[str, str, Dict[str, Any], str, Any, Any]]:
    """For every item of eval/<name>/<split>.jsonl: (name, split, item, its last question
    normalised, the context before it, the layer's last reply), each turn answered with
    `answer(text, context, **options)`. The set's own questions are left out of the bank of
    labelled questions while its items are answered and yielded (answering/examples.py). With
    `nlu`, each turn also gets what the production NLU model made of it (benchmarks/nlu_cache.py),
    as the Rasa actions pass it."""
    from answering import Context, answer, examples
    from knowledge.normalize import normalize_text

    parses = None
    if nlu:
        from benchmarks import nlu_cache

        parses = nlu_cache.load()

    for name, split in sets:
        items = set_items(name, split)
        if items is None:
            print(f"fitting: no eval/{name}/{split}.jsonl, left out", file=sys.stderr)
            continue
        with examples.leaving_out(f"{name}/"):
            for item in items:
                turns = turns_of(item)
                ctx = before = Context()
                for text in turns:
                    before = ctx
                    if parses is not None:
                        options["nlu"] = nlu_cache.nlu_of(parses.get(normalize_text(text)))
                    reply = answer(text, ctx, **options)
                    ctx = reply.context
                yield name, split, item, normalize_text(turns[-1]), before, reply


def own_set_left_out(path: str):
    """The bank of labelled questions without the questions of the evaluation set `path` belongs to
    (eval/<name>/...): a benchmark never reads a question as evidence for itself, nor its set's
    other half (a test set's dev half is in the bank)."""
    from answering import examples

    parts = Path(path).resolve().parts
    name = parts[parts.index("eval") + 1] if "eval" in parts[:-1] else None
    return examples.leaving_out(f"{name}/" if name else None)


def verdict(item: Dict[str, Any], reply) -> Dict[str, Any]:
    """The benchmark's verdict on `reply` as the last answer to `item` (breadth.score for a
    breadth item, answer_quality.score otherwise): {pass, wrong_card, ...}."""
    marker = reply.payload()["dvc"]
    if "target" in item:
        from breadth import score

        return score(item, reply.text, marker, reply.buttons)
    from answer_quality import score

    return score(item, reply.text, marker.get("answer_id"), marker)


def fit(X: np.ndarray, y: np.ndarray, C: float):
    """(mean, scale, model): a logistic regression with balanced classes on standardised features."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(standard(X, mean, scale), y)
    return mean, scale, model


def standard(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    from answering.logistic import CLIP

    return np.clip((X - mean) / scale, -CLIP, CLIP)


def apply(fitted, X: np.ndarray) -> np.ndarray:
    """The probabilities of the positive class for the rows of X."""
    mean, scale, model = fitted
    return model.predict_proba(standard(X, mean, scale))[:, 1]


def held_out(X: np.ndarray, y: np.ndarray, sets: np.ndarray, C: float) -> np.ndarray:
    """Each set's probabilities from a model fitted on the other sets (leave-one-set-out)."""
    out = np.zeros(len(y))
    for name in sorted(set(sets)):
        mask = sets == name
        if len(set(y[~mask])) < 2:
            continue
        out[mask] = apply(fit(X[~mask], y[~mask], C), X[mask])
    return out


def written(fitted, features: Sequence[str]) -> Dict[str, Any]:
    """The JSON form answering/logistic.py reads: features, weights, intercept, mean, scale."""
    mean, scale, model = fitted
    return {"features": list(features), "weights": [round(float(w), 6) for w in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6), "mean": [round(float(m), 6) for m in mean],
            "scale": [round(float(s), 6) for s in scale]}


def save(out: Dict[str, Any], path: Path, dry_run: bool) -> None:
    """Write the fitted model where the layer reads it (not with --dry-run)."""
    if dry_run:
        return
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
