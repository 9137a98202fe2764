"""Cold start: how soon after `dvc-bot serve` starts do citizens get real answers?

Each run starts `dvc-bot serve` on free ports, polls `/health` every 0.1 s, and the moment it
first says 200 sends three citizens' questions at once (the issue's bar: each gets a real
answer, no apology, within 3 s). Prints one JSON line per run and a summary; exit status 1 when
a run misses the bar.

    python benchmarks/cold_start.py [--runs 3] [--model-dir DIR] [--keep-data]

The model is the one `dvc-bot serve` would use (DVC_MODEL_DIR, default models/; it trains one if
missing). RASA_TIMEOUT_S is the product's default (2.5 s) unless set in the environment.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.settings import Settings  # noqa: E402
from server.conversation import REPLY_WITHIN_S, apology  # noqa: E402

QUESTIONS = {
    "cold-1": "Làm thẻ căn cước mất bao lâu?",
    "cold-2": "đăng nhập dịch vụ công bằng VNeID thế nào",
    "cold-3": "xin chào",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_apology(message: dict) -> bool:
    marked = ((message.get("custom") or {}).get("dvc") or {}).get("outcome") == "error"
    return marked or message.get("text") == apology().text


def citizen(base: str, sender: str, text: str) -> dict:
    start = time.perf_counter()
    response = httpx.post(f"{base}/webhooks/web", json={"sender": sender, "message": text}, timeout=120)
    seconds = time.perf_counter() - start
    messages = response.json().get("messages", []) if response.status_code == 200 else []
    return {
        "sender": sender, "status": response.status_code, "seconds": round(seconds, 3),
        "apology": any(is_apology(m) for m in messages) or not messages,
        "reply": " ".join(m.get("text") or "" for m in messages)[:60],
    }


def one_run(env: dict, log_path: Path) -> dict:
    port = free_port()
    env = dict(env, PORT=str(port), RASA_PORT=str(free_port()), ACTIONS_PORT=str(free_port()))
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "dvcbot.cli", "serve"], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            first_503 = None
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"dvc-bot serve exited ({proc.returncode}); see {log_path}")
                if time.monotonic() - started > 1800:
                    raise SystemExit(f"not ready in 30 min; see {log_path}")
                try:
                    health = httpx.get(f"{base}/health", timeout=5)
                except httpx.HTTPError:
                    health = None
                if health is not None and health.status_code == 200:
                    ready_s = time.monotonic() - started
                    break
                if health is not None and first_503 is None:
                    first_503 = time.monotonic() - started  # the gateway answers, not ready yet
                time.sleep(0.1)
            with ThreadPoolExecutor(len(QUESTIONS)) as pool:
                turns = list(pool.map(lambda item: citizen(base, *item), QUESTIONS.items()))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    slowest = max(t["seconds"] for t in turns)
    return {
        "gateway_up_s": round(first_503, 1) if first_503 is not None else None,
        "ready_s": round(ready_s, 1),
        "turns": turns,
        "slowest_s": slowest,
        "apologies": sum(t["apology"] for t in turns),
        "bar_met": slowest <= REPLY_WITHIN_S and not any(t["apology"] for t in turns),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model-dir", help="DVC_MODEL_DIR for `dvc-bot serve` (default: the environment's, or models/)")
    parser.add_argument("--keep-data", action="store_true", help="keep each run's data folder and log")
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("RASA_TIMEOUT_S", str(Settings.__fields__["rasa_timeout_s"].default))
    if args.model_dir:
        env["DVC_MODEL_DIR"] = args.model_dir
    results = []
    for run in range(1, args.runs + 1):
        work = Path(tempfile.mkdtemp(prefix="dvcbot-cold-start-"))
        env_run = dict(env, DVC_DATA_DIR=str(work / "var"))  # a fresh database: nothing from the last run
        result = one_run(env_run, work / "serve.log")
        result["run"] = run
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if not args.keep_data:
            subprocess.run(["rm", "-rf", str(work)], check=False)
    slowest = [r["slowest_s"] for r in results]
    print(
        f"cold start, {len(results)} runs (RASA_TIMEOUT_S={env['RASA_TIMEOUT_S']}): /health 200 after "
        f"{', '.join(str(r['ready_s']) for r in results)} s; the 3 first citizens answered in at most "
        f"{', '.join(f'{s:.2f}' for s in slowest)} s; apologies {sum(r['apologies'] for r in results)}; "
        f"bar (<= {REPLY_WITHIN_S} s, no apology) met in {sum(r['bar_met'] for r in results)}/{len(results)}",
        flush=True,
    )
    return 0 if all(r["bar_met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
