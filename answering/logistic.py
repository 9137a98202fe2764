"""The fitted logistic regressions of the answering layer (verify.py, lines.py): loading the
weights a benchmarks/*_fit.py script wrote, and scoring a row of features with them."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, Optional, Sequence

CLIP = 3.0  # a value far outside what a model was fitted on counts as at most 3 deviations


def standard(value: float, mean: float, scale: float) -> float:
    return max(-CLIP, min(CLIP, (value - mean) / scale))


def load(path: Path, features: Sequence[str], script: str) -> Optional[dict]:
    """The model in `path` (None when it is absent); refused when fitted on other features."""
    if not path.exists():
        return None
    model = json.loads(path.read_text(encoding="utf-8"))
    if tuple(model["features"]) != tuple(features):
        raise ValueError(f"{path} was fitted on other features; run {script}")
    return model


def probability(model: dict, features: Sequence[str], values: Dict[str, float]) -> float:
    z = model["intercept"]
    for name, weight, mean, scale in zip(features, model["weights"], model["mean"], model["scale"]):
        z += weight * standard(values[name], mean, scale)
    return 1.0 / (1.0 + math.exp(-z))
