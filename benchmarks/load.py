"""Load benchmark: realistic mixed citizen questions through the website webhook on loopback.

Starts `dvc-bot serve` (WORKERS=1 or 2) on free ports, or drives gateways already running
(`--url`, repeatable), and measures:

- open loop: turns arrive at a fixed rate R (evenly spaced), spread over many conversations (each
  conversation's turns follow each other, as citizens do); latency counts from the scheduled
  arrival, so a server that falls behind is charged for the wait (no coordinated omission);
- the highest rate at which p95 stays <= 300 ms (rates stepped up until it does not);
- closed loop: C conversations, each sending its next turn when the reply arrives;
- per rate: p50/p95/p99 turn latency, turns/s served, errors (non-200, apology, no reply);
- peak RSS of every process (VmHWM from /proc) after the run.

    .venv/bin/python benchmarks/load.py --workers 1 [--rates 10,20,30] [--duration 20] [--json out.json]
    .venv/bin/python benchmarks/load.py --workers 2   # needs REDIS_URL (and DATABASE_URL, PostgreSQL)

Questions come from eval/answers_dev.jsonl plus short chitchat turns (greetings, thanks).
Where a turn's time goes: benchmarks/turn_profile.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dvcbot.supervisor import free_port_block  # noqa: E402

CHITCHAT = ["xin chào", "cảm ơn", "chào bot", "ok cảm ơn nhé", "bạn là ai"]
APOLOGY = "Xin lỗi, hệ thống trả lời tự động"


def questions() -> List[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "answers_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows] + CHITCHAT * 6


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))], 1)


def summary(latencies: List[float], errors: int, wall_s: float, **extra: Any) -> Dict[str, Any]:
    return {
        **extra,
        "turns": len(latencies) + errors, "errors": errors, "turns_per_s": round(len(latencies) / wall_s, 1),
        "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99),
    }


class Driver:
    def __init__(self, bases: List[str], pool: List[str], conversations: int, seed: int = 7) -> None:
        self.bases = bases
        self.pool = pool
        self.conversations = conversations
        self.rng = random.Random(seed)
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=500, max_keepalive_connections=200))
        self.run_id = f"{time.time_ns() % 10**8}"

    async def turn(self, conversation: int, text: str) -> Optional[float]:
        """One turn; its latency in ms, or None for an error (non-200, apology, no reply)."""
        base = self.bases[conversation % len(self.bases)]  # a conversation stays on one worker (sticky LB)
        start = time.perf_counter()
        try:
            response = await self.client.post(f"{base}/webhooks/web", json={"sender": f"load{self.run_id}-{conversation}", "message": text})
            messages = response.json().get("messages") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
        if not messages or (messages[0].get("text") or "").startswith(APOLOGY):
            return None
        return (time.perf_counter() - start) * 1000

    async def open_loop(self, rate: float, duration_s: float) -> Dict[str, Any]:
        total = int(rate * duration_s)
        latencies: List[float] = []
        errors = 0
        chains: Dict[int, asyncio.Task] = {}

        async def one(i: int, scheduled: float, previous: Optional[asyncio.Task]) -> None:
            nonlocal errors
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            if previous is not None:  # a citizen sends the next message after the last reply
                await asyncio.shield(previous)
            sent_late = time.perf_counter() - scheduled
            result = await self.turn(i % self.conversations, self.rng.choice(self.pool))
            if result is None:
                errors += 1
            else:
                latencies.append(result + sent_late * 1000)

        start = time.perf_counter() + 0.2
        tasks = []
        for i in range(total):
            conv = i % self.conversations
            task = asyncio.create_task(one(i, start + i / rate, chains.get(conv)))
            chains[conv] = task
            tasks.append(task)
        await asyncio.gather(*tasks)
        return summary(latencies, errors, time.perf_counter() - start, mode="open", rate=rate, conversations=self.conversations)

    async def closed_loop(self, concurrency: int, duration_s: float) -> Dict[str, Any]:
        latencies: List[float] = []
        errors = 0
        stop_at = time.perf_counter() + duration_s

        async def citizen(conv: int) -> None:
            nonlocal errors
            turns = 0
            while time.perf_counter() < stop_at:  # a new conversation every 8 turns, as citizens do
                result = await self.turn(conv * 1000 + turns // 8, self.rng.choice(self.pool))
                turns += 1
                if result is None:
                    errors += 1
                else:
                    latencies.append(result)

        start = time.perf_counter()
        await asyncio.gather(*(citizen(100 + c) for c in range(concurrency)))
        return summary(latencies, errors, time.perf_counter() - start, mode="closed", concurrency=concurrency)


def process_tree(pid: int) -> List[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def peak_rss(pid: int) -> Dict[str, float]:
    """Peak RSS (MB) of each process under `pid`, named by what it runs."""
    result: Dict[str, float] = {}
    for p in process_tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if not match:
            continue
        if "rasa_sdk" in cmd or "action_server" in cmd:
            name = "actions"
        elif "dvcbot.rasa_server" in cmd:
            name = "rasa"
        elif "uvicorn" in cmd:
            name = "gateway"
        elif "serve" in cmd:
            name = "supervisor"
        else:
            continue
        port = re.search(r"--port (\d+)", cmd)
        key = f"{name}:{port.group(1)}" if port else name
        result[key] = round(int(match.group(1)) / 1024, 1)
    return result


def start_stack(workers: int) -> tuple:
    base = free_port_block(3 * workers)
    env = dict(os.environ, WORKERS=str(workers), PORT=str(base), RASA_PORT=str(base + workers),
               ACTIONS_PORT=str(base + 2 * workers), RATE_LIMIT_MESSAGES="100000")
    if workers > 1 and not env.get("REDIS_URL"):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "dvc-bot"), "serve"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bases = [f"http://127.0.0.1:{int(env['PORT']) + i}" for i in range(workers)]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("dvc-bot serve exited; run it by hand to see why")
        try:
            if all(httpx.get(f"{b}/health", timeout=2).status_code == 200 for b in bases):
                return proc, bases  # 200: each gateway has warmed its Rasa and actions up
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.kill()
    raise SystemExit("stack not ready in 900 s")


async def run(args: argparse.Namespace, bases: List[str]) -> Dict[str, Any]:
    driver = Driver(bases, questions(), args.conversations)
    # warm every worker with the whole question pool: TensorFlow traces its functions again for
    # input sizes it has not seen, and the first step measured was otherwise up to 5x slower
    await asyncio.gather(*(driver.turn(900_000 + i, text) for i, text in enumerate(driver.pool)))
    results: Dict[str, Any] = {"workers": len(bases), "open": [], "closed": []}
    for rate in [float(r) for r in args.rates.split(",")]:
        result = await driver.open_loop(rate, args.duration)
        results["open"].append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
        if result["p95_ms"] is None or result["p95_ms"] > 300 or result["errors"]:
            if not args.all_rates:
                break
    ok = [r["rate"] for r in results["open"] if r["p95_ms"] is not None and r["p95_ms"] <= 300 and not r["errors"]]
    results["max_rate_p95_le_300ms"] = max(ok) if ok else None
    for c in [int(c) for c in args.closed.split(",") if c]:
        result = await driver.closed_loop(c, args.duration)
        results["closed"].append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    await driver.client.aclose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--url", action="append", help="a running gateway (repeat for several); else start dvc-bot serve")
    parser.add_argument("--rates", default="10,20,30,40,50,60,80", help="open-loop rates (turns/s), stepped up")
    parser.add_argument("--all-rates", action="store_true", help="keep going after p95 passes 300 ms")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per rate / closed-loop run")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--closed", default="1,4,16", help="closed-loop concurrencies")
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args()

    proc = None
    bases = args.url
    if not bases:
        proc, bases = start_stack(args.workers)
    try:
        results = asyncio.run(run(args, bases))
        if proc is not None:
            results["peak_rss_mb"] = peak_rss(proc.pid)
            results["peak_rss_total_mb"] = round(sum(results["peak_rss_mb"].values()), 1)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=120)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
