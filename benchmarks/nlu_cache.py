"""What the production NLU model makes of every turn of the evaluation sets, cached for replays.

The answering layer reads the NLU's intent and entities when Rasa gives them (answering.model.Nlu):
through the pipeline, "em họ ở quê lên ở nhờ 1 tuần" is an `ask_procedure` message, which the
layer alone cannot know. A replay with `nlu=True` (fitting.replay) passes each turn the parse
cached here, so a fit or a measurement can see what citizens meet. The parse is the model
`make run` trains (dvcbot.training; trained here first if it is missing or out of date), of the
text as the channel sends it (normalised). The cache is keyed by that model's file name:

    var/nlu_cache/<model>.jsonl: {"text", "intent", "confidence", "entities"}

    .venv/bin/python benchmarks/nlu_cache.py [--sets fresh23,breadth19] [--halves dev,heldout]

Default: the halves every fit reads (`fitting.TRAIN`). A test set's held-out half is parsed only
when asked (`--halves heldout`), and the parse prints counts, never a question.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from fitting import TRAIN, set_items, turns_of  # noqa: E402

CACHE = ROOT / "var" / "nlu_cache"


def _turns(sets: Iterable[Tuple[str, str]]) -> List[str]:
    from knowledge.normalize import normalize_text

    seen: Dict[str, None] = {}
    for name, half in sets:
        for item in set_items(name, half) or []:
            for text in turns_of(item):
                seen.setdefault(normalize_text(text))
    return list(seen)


def model_path() -> Path:
    from dvcbot import training

    return Path(training.train(log=lambda m: print(m, file=sys.stderr)))


def cache_file(model: Optional[Path] = None) -> Path:
    return CACHE / f"{(model or latest_model()).name.split('.')[0]}.jsonl"


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("nlu_cache: no trained model in models/ (run `make train` first)")
    return models[-1]


def load(model: Optional[Path] = None) -> Dict[str, Dict]:
    """text -> parse, from the cache of `model` (default: the newest trained model)."""
    path = cache_file(model)
    if not path.exists():
        raise SystemExit(f"nlu_cache: no {path} (run benchmarks/nlu_cache.py first)")
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row["text"]] = row
    return out


def nlu_of(parse: Optional[Dict]):
    """The layer's Nlu from a cached parse, as actions/answer.py builds it from Rasa's message."""
    from answering import Nlu

    if not parse:
        return Nlu()
    entities = parse.get("entities") or []
    return Nlu(intent=parse.get("intent") or "", confidence=float(parse.get("confidence") or 0.0),
               procedures=[str(e["value"]) for e in entities if e.get("entity") == "procedure" and e.get("value")],
               aspects=[str(e["value"]) for e in entities if e.get("entity") == "aspect" and e.get("value")],
               from_button=parse["text"].startswith("/"))


async def _parse_all(model: Path, texts: Sequence[str]) -> List[Dict]:
    from rasa.core.agent import Agent

    from dvcbot.quiet import configure_logging

    configure_logging()  # Rasa's debug log would print every text parsed
    agent = Agent.load(str(model))
    rows = []
    for n, text in enumerate(texts, 1):
        data = await agent.parse_message(text)
        intent = data.get("intent") or {}
        rows.append({"text": text, "intent": intent.get("name") or "", "confidence": round(float(intent.get("confidence") or 0.0), 4),
                     "entities": [{"entity": e.get("entity"), "value": e.get("value")} for e in data.get("entities") or []]})
        if n % 500 == 0:
            print(f"  {n}/{len(texts)} parsed", file=sys.stderr, flush=True)
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", help="comma-separated set names (default: the halves of fitting.TRAIN)")
    parser.add_argument("--halves", default="dev,heldout", help="with --sets: which halves")
    args = parser.parse_args(argv)
    sets = ([(name, half) for name in args.sets.split(",") for half in args.halves.split(",")] if args.sets else TRAIN)
    import dvcbot.quiet  # noqa: F401

    model = model_path()
    path = cache_file(model)
    cached = load(model) if path.exists() else {}
    todo = [t for t in _turns(sets) if t not in cached]
    if todo:
        rows = asyncio.run(_parse_all(model, todo))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(cached) + len(todo)} texts ({len(todo)} parsed now)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
