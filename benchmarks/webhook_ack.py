"""Benchmark the channel bars against the real gateway process (uvicorn server.main:app):

1. webhook acknowledgement latency (p50/p95/p99) for signed Zalo and Messenger events while
   every turn runs in the background against a slow Rasa (default 1 s per turn);
2. the share of forged or unsigned webhook calls rejected;
3. duplicate deliveries -> replies (each message delivered several times, concurrently).

Everything runs on 127.0.0.1: a fake Zalo/Graph/Rasa server (tests/fakes.py) records what the
gateway sends. Bounded: fixed request counts, every wait has a deadline.

    .venv/bin/python benchmarks/webhook_ack.py [--events 400] [--rasa-delay 1.0] [--json]

Exit code 1 when a bar is missed (ack p95 > 200 ms, a forged call accepted, a duplicate reply).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import (GRAPH_VERSION, facebook_sig, free_port, messenger_body, messenger_text,  # noqa: E402
                         zalo_mac, zalo_text_event)

ZALO_SECRET, FB_SECRET = "oa-secret-key", "fb-app-secret"


def zalo_request(user: str, text: str, msg_id: str) -> Tuple[str, bytes, Dict[str, str]]:
    body = zalo_text_event(user, text, msg_id)
    raw = json.dumps(body, ensure_ascii=False).encode()
    return "/webhooks/zalo", raw, {"X-ZEvent-Signature": zalo_mac("app-1", raw, body["timestamp"], ZALO_SECRET)}


def facebook_request(user: str, text: str, mid: str) -> Tuple[str, bytes, Dict[str, str]]:
    raw = json.dumps(messenger_body(messenger_text(user, text, mid)), ensure_ascii=False).encode()
    return "/webhooks/facebook", raw, {"X-Hub-Signature-256": facebook_sig(FB_SECRET, raw)}


def forgeries(n: int) -> List[Tuple[str, str, bytes, Dict[str, str]]]:
    """(kind, path, body, headers): every way of faking or omitting a signature we know of."""
    out = []
    for i in range(n):
        user = f"forged-{i}"
        body = zalo_text_event(user, "xin chào", f"forged-z-{i}")
        raw = json.dumps(body).encode()
        ts = body["timestamp"]
        good_fb_raw = json.dumps(messenger_body(messenger_text(user, "xin chào", f"forged-f-{i}"))).encode()
        out += [
            ("zalo: no header", "/webhooks/zalo", raw, {}),
            ("zalo: random mac", "/webhooks/zalo", raw, {"X-ZEvent-Signature": "mac=" + os.urandom(32).hex()}),
            ("zalo: signed with app secret", "/webhooks/zalo", raw, {"X-ZEvent-Signature": zalo_mac("app-1", raw, ts, "zalo-app-secret")}),
            ("zalo: body changed after signing", "/webhooks/zalo", raw.replace(b"xin", b"XIN"), {"X-ZEvent-Signature": zalo_mac("app-1", raw, ts, ZALO_SECRET)}),
            ("zalo: other app id", "/webhooks/zalo", raw, {"X-ZEvent-Signature": zalo_mac("app-2", raw, ts, ZALO_SECRET)}),
            ("zalo: HMAC instead of SHA-256", "/webhooks/zalo", raw, {"X-ZEvent-Signature": "mac=" + hmac.new(ZALO_SECRET.encode(), b"app-1" + raw + ts.encode(), hashlib.sha256).hexdigest()}),
            ("facebook: no header", "/webhooks/facebook", good_fb_raw, {}),
            ("facebook: random signature", "/webhooks/facebook", good_fb_raw, {"X-Hub-Signature-256": "sha256=" + os.urandom(32).hex()}),
            ("facebook: wrong secret", "/webhooks/facebook", good_fb_raw, {"X-Hub-Signature-256": facebook_sig("guess", good_fb_raw)}),
            ("facebook: body changed after signing", "/webhooks/facebook", good_fb_raw.replace(b"xin", b"XIN"), {"X-Hub-Signature-256": facebook_sig(FB_SECRET, good_fb_raw)}),
            ("facebook: legacy sha1 only", "/webhooks/facebook", good_fb_raw, {"X-Hub-Signature": "sha1=" + hmac.new(FB_SECRET.encode(), good_fb_raw, hashlib.sha1).hexdigest()}),
        ]
    return out


async def fire(client: httpx.AsyncClient, base: str, requests: List[Tuple[str, bytes, Dict[str, str]]], concurrency: int) -> List[Tuple[int, float]]:
    """Send all requests with `concurrency` in flight; (status, seconds) per request."""
    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    results: List[Tuple[int, float]] = []

    async def worker() -> None:
        while not queue.empty():
            path, raw, headers = queue.get_nowait()
            start = time.perf_counter()
            response = await client.post(base + path, content=raw, headers={"content-type": "application/json", **headers})
            results.append((response.status_code, time.perf_counter() - start))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def percentile(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))]


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


class Fake:
    """The fake Zalo/Graph/Rasa server, in its own process so it does not share this one's CPU."""

    def __init__(self, rasa_delay_s: float) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.fakes", str(self.port), str(rasa_delay_s)], cwd=ROOT)

    def get(self, kind: str, accepted: bool) -> List[Dict[str, Any]]:
        return httpx.get(f"{self.base}/_recorded", params={"kind": kind, "accepted": accepted}, timeout=30).json()

    def sent(self, kind: str) -> List[Dict[str, Any]]:
        return self.get(kind, True)

    def calls(self, kind: str) -> List[Dict[str, Any]]:
        return self.get(kind, False)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def replies_by_user(fake: Fake) -> Counter:
    users: Counter = Counter()
    for r in fake.sent("zalo"):
        users[r["json"]["recipient"]["user_id"]] += 1
    for r in fake.sent("graph"):
        users[r["json"]["recipient"]["id"]] += 1
    return users


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400, help="signed events for the latency phase (half Zalo, half Messenger)")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight")
    parser.add_argument("--rasa-delay", type=float, default=1.0, help="seconds each turn takes in the fake Rasa")
    parser.add_argument("--forged-rounds", type=int, default=20, help="rounds of the 11 forgery kinds")
    parser.add_argument("--duplicates", type=int, default=50, help="messages delivered several times")
    parser.add_argument("--copies", type=int, default=4, help="deliveries of each duplicated message")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    fake = Fake(args.rasa_delay)
    with tempfile.TemporaryDirectory() as data_dir:
        if not wait_until(lambda: _up(fake.base, "/status"), 30):
            print("the fake platform did not start", file=sys.stderr)
            return 2
        port = free_port()
        env = dict(
            os.environ, PORT=str(port), DVC_DATA_DIR=data_dir, RASA_URL=fake.base,
            ACTION_ENDPOINT_URL=f"{fake.base}/webhook",
            ZALO_APP_ID="app-1", ZALO_OA_SECRET_KEY=ZALO_SECRET, ZALO_APP_SECRET="zalo-app-secret",
            ZALO_ACCESS_TOKEN="zalo-access-1", ZALO_REFRESH_TOKEN="zalo-refresh-1",
            ZALO_API_BASE=fake.base, ZALO_OAUTH_BASE=fake.base,
            FB_APP_SECRET=FB_SECRET, FB_VERIFY_TOKEN="verify-me", FB_PAGE_ACCESS_TOKEN="page-token",
            FB_GRAPH_API_BASE=f"{fake.base}/{GRAPH_VERSION}",
            RATE_LIMIT_MESSAGES="1000",
        )
        gateway = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "server.main:app", "--ws", "wsproto", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_until(lambda: _up(base), 60):
                print("the gateway did not start", file=sys.stderr)
                return 2
            figures = asyncio.run(run_phases(base, fake, args))
        finally:
            gateway.terminate()
            gateway.wait(30)
            fake.stop()

    bars = {
        "ack p95 <= 200 ms": figures["ack_ms"]["p95"] <= 200,
        "100% forged rejected": figures["forged"]["rejected"] == figures["forged"]["sent"] and figures["forged"]["replies_to_forged_users"] == 0,
        "duplicates -> exactly one reply each": figures["duplicates"]["messages_with_exactly_one_reply"] == figures["duplicates"]["messages"],
        "every signed event answered": figures["ack_ms"]["answered"] == figures["ack_ms"]["events"],
    }
    figures["bars"] = bars
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        ack, forged, dup = figures["ack_ms"], figures["forged"], figures["duplicates"]
        print(f"webhook ack ({ack['events']} signed events, {args.concurrency} in flight, turns {args.rasa_delay:.1f} s each in the background):")
        print(f"  p50 {ack['p50']:.1f} ms, p95 {ack['p95']:.1f} ms, p99 {ack['p99']:.1f} ms, max {ack['max']:.1f} ms; "
              f"all {ack['events']} answered after {ack['drain_s']:.1f} s")
        print(f"forged/unsigned calls: {forged['rejected']}/{forged['sent']} rejected ({100 * forged['rejected'] / forged['sent']:.1f}%), "
              f"status codes {forged['statuses']}, replies to forged users {forged['replies_to_forged_users']}")
        print(f"duplicates: {dup['messages']} messages x {dup['copies']} deliveries = {dup['deliveries']} calls "
              f"-> {dup['replies']} replies ({dup['messages_with_exactly_one_reply']}/{dup['messages']} with exactly one)")
        for bar, ok in bars.items():
            print(f"  [{'ok' if ok else 'MISSED'}] {bar}")
    return 0 if all(bars.values()) else 1


def _up(base: str, path: str = "/health/live") -> bool:
    try:
        return httpx.get(f"{base}{path}", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


async def run_phases(base: str, fake: Fake, args: argparse.Namespace) -> Dict[str, Any]:
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        # warm-up (connections, first imports); not measured
        await fire(client, base, [zalo_request("warm", "xin chào", "warm-1")], 1)

        # 1. acknowledgement latency under background load
        events = []
        for i in range(args.events):
            make = zalo_request if i % 2 == 0 else facebook_request
            events.append(make(f"ack-{i}", f"Câu hỏi số {i}: làm căn cước mất bao lâu?", f"ack-m-{i}"))
        start = time.monotonic()
        results = await fire(client, base, events, args.concurrency)
        latencies = [s * 1000 for status, s in results if status == 200]
        answered = lambda: sum(1 for u, n in replies_by_user(fake).items() if u.startswith("ack-"))  # noqa: E731
        await asyncio.to_thread(wait_until, lambda: answered() >= args.events, 120 + args.events * args.rasa_delay)
        answered_count = answered()
        drain_s = time.monotonic() - start

        # 2. forged and unsigned calls
        forged = forgeries(args.forged_rounds)
        forged_results = await fire(client, base, [(p, raw, h) for _, p, raw, h in forged], args.concurrency)
        statuses = Counter(status for status, _ in forged_results)

        # 3. duplicate deliveries, interleaved and concurrent
        duplicates = []
        for copy in range(args.copies):
            for i in range(args.duplicates):
                make = zalo_request if i % 2 == 0 else facebook_request
                duplicates.append(make(f"dup-{i}", "xin chào", f"dup-m-{i}"))
        dup_results = await fire(client, base, duplicates, args.concurrency)
        dup_users = lambda: {u: n for u, n in replies_by_user(fake).items() if u.startswith("dup-")}  # noqa: E731
        await asyncio.to_thread(wait_until, lambda: len(dup_users()) >= args.duplicates, 60 + args.duplicates * args.rasa_delay)
        await asyncio.sleep(max(2.0, 2 * args.rasa_delay))  # room for a wrong second reply to arrive
        per_message = dup_users()

    replies = replies_by_user(fake)
    return {
        "ack_ms": {
            "events": len(events), "answered": answered_count, "accepted_200": len(latencies),
            "p50": statistics.median(latencies), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "max": max(latencies), "drain_s": drain_s,
        },
        "forged": {
            "sent": len(forged), "rejected": sum(n for status, n in statuses.items() if status >= 400),
            "statuses": dict(sorted(statuses.items())),
            "replies_to_forged_users": sum(n for u, n in replies.items() if u.startswith("forged-")),
            "rasa_turns_for_forged_users": sum(1 for c in fake.calls("rasa") if "forged-" in c["json"]["sender"]),
        },
        "duplicates": {
            "messages": args.duplicates, "copies": args.copies, "deliveries": len(dup_results),
            "acknowledged_200": sum(1 for status, _ in dup_results if status == 200), "replies": sum(per_message.values()),
            "messages_with_exactly_one_reply": sum(1 for n in per_message.values() if n == 1),
        },
    }


if __name__ == "__main__":
    sys.exit(main())
