"""Where a turn's time goes: the real model, the real actions and the SQL tracker store (SQLite
file, as deployed by default) in one process, with timers around each stage of Rasa's
MessageProcessor.

    .venv/bin/python benchmarks/turn_profile.py [--turns 200] [--json out.json]

Stages (ms per turn, p50 and mean): nlu (parse_message: tokenizer, featurizers, DIET),
policies (next-action prediction, once per action), tracker_store (retrieve + save),
action_server (custom actions run in-process through the Rasa SDK executor, retrieval included),
retrieval (the hybrid search inside the actions), and total (Agent.handle_message). What the
gateway and HTTP add is the load benchmark's closed-loop C=1 latency minus this total.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import dvcbot.quiet  # noqa: E402,F401

from benchmarks.load import questions  # noqa: E402

spent: Dict[str, float] = defaultdict(float)


def timed_async(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            spent[name] += (time.perf_counter() - start) * 1000
    return wrapper


def timed_sync(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += (time.perf_counter() - start) * 1000
    return wrapper


async def profile(turns: int) -> Dict[str, Any]:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.processor import MessageProcessor

    from bot.stores import TrackerStore
    from dvcbot import rasa_patches, training
    from dvcbot.runtime import InProcessActionEndpoint
    from common.settings import get_settings
    from knowledge.normalize import normalize_text
    from knowledge.retriever import Retriever

    from dvcbot.quiet import configure_logging

    configure_logging()  # as in production: no debug logging
    settings = get_settings()
    model = training.train(settings=settings)
    rasa_patches.apply()
    db = Path(tempfile.mkdtemp(prefix="dvcbot-profile-")) / "tracker.db"
    endpoint = InProcessActionEndpoint()
    agent = Agent.load(str(model), action_endpoint=endpoint, tracker_store=TrackerStore(url=f"sqlite:///{db}"))

    MessageProcessor.parse_message = timed_async("nlu", MessageProcessor.parse_message)
    MessageProcessor._predict_next_with_tracker = timed_sync("policies", MessageProcessor._predict_next_with_tracker)
    TrackerStore.retrieve = timed_async("tracker_store", TrackerStore.retrieve)
    TrackerStore.save = timed_async("tracker_store", TrackerStore.save)
    endpoint.request = timed_async("action_server", endpoint.request)
    Retriever.search = timed_sync("retrieval", Retriever.search)

    pool = questions()
    rng = random.Random(3)
    for text in ("xin chào", "làm căn cước mất bao lâu", "quên mật khẩu vneid"):  # warm up graphs and the retriever
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), "warm"))
    per_stage: Dict[str, List[float]] = defaultdict(list)
    for i in range(turns):
        spent.clear()
        start = time.perf_counter()
        await agent.handle_message(UserMessage(normalize_text(rng.choice(pool)), CollectingOutputChannel(), f"p{i % 20}"))
        per_stage["total"].append((time.perf_counter() - start) * 1000)
        for name in ("nlu", "policies", "tracker_store", "action_server", "retrieval"):
            per_stage[name].append(spent.get(name, 0.0))
    return {
        name: {"p50_ms": round(statistics.median(v), 1), "mean_ms": round(statistics.fmean(v), 1)}
        for name, v in per_stage.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    result = asyncio.run(profile(args.turns))
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
