"""Prometheus metrics of the gateway, served at `GET /metrics` (no personal data: labels are
channels, outcomes and reasons only).

Each app has its own CollectorRegistry (tests build many apps in one process). Each gateway
process counts its own turns: with several gateway workers, run each on its own port (as
`dvc-bot serve` and the scale-out topology do) and let Prometheus scrape every one of them; sum
over the `instance` label in queries. Behind one shared port (`uvicorn --workers N`) a scrape
would reach a random worker, so that setup is not supported for metrics.

| metric | type | labels |
|---|---|---|
| dvc_turn_latency_seconds | histogram | channel |
| dvc_turns_total | counter | channel, outcome |
| dvc_fallbacks_total | counter | channel, reason |
| dvc_handoffs_total | counter | channel |
| dvc_ratings_total | counter | channel, rating (up/down) |
| dvc_outbound_send_failures_total | counter | channel, result (retry/dead) |
| dvc_rasa_unavailable_total | counter | channel, reason (rasa_unavailable/no_reply) |
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from store.outcomes import ERROR, FALLBACK, HANDOFF, OUTCOMES

# turn latency buckets around the bars (p95 150 ms / 300 ms) and the Rasa timeout (10 s)
LATENCY_BUCKETS = (0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: Optional[CollectorRegistry] = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.turn_latency = Histogram(
            "dvc_turn_latency_seconds", "Time from a citizen's message reaching the gateway to the bot's replies (Rasa turn)",
            ["channel"], buckets=LATENCY_BUCKETS, registry=r,
        )
        self.turns = Counter("dvc_turns", "Turns through Rasa by outcome", ["channel", "outcome"], registry=r)
        self.fallbacks = Counter("dvc_fallbacks", "Turns the bot could not answer", ["channel", "reason"], registry=r)
        self.handoffs = Counter("dvc_handoffs", "Requests to talk to staff", ["channel"], registry=r)
        self.ratings = Counter("dvc_ratings", "Ratings of answers", ["channel", "rating"], registry=r)
        self.send_failures = Counter(
            "dvc_outbound_send_failures", "Outbound sends to Zalo/Messenger that failed (retry: kept in the outbox; dead: given up)",
            ["channel", "result"], registry=r,
        )
        self.rasa_unavailable = Counter(
            "dvc_rasa_unavailable", "Turns answered with the apology because Rasa failed", ["channel", "reason"], registry=r,
        )

    def turn(self, channel: str, seconds: float, outcome: Dict[str, Any]) -> None:
        """Record one turn (outcome: store.outcomes.turn_outcome)."""
        name = outcome.get("outcome")
        name = name if name in OUTCOMES else "unknown"
        self.turn_latency.labels(channel).observe(seconds)
        self.turns.labels(channel, name).inc()
        reason = str(outcome.get("reason") or "unknown")
        if name == FALLBACK:
            self.fallbacks.labels(channel, reason).inc()
        elif name == HANDOFF:
            self.handoffs.labels(channel).inc()
        elif name == ERROR:
            self.rasa_unavailable.labels(channel, reason).inc()
        if outcome.get("rating") in ("up", "down"):
            self.ratings.labels(channel, outcome["rating"]).inc()

    def send_failed(self, channel: str, final: bool) -> None:
        self.send_failures.labels(channel, "dead" if final else "retry").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
