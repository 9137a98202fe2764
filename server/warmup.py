"""Readiness: the gateway warms its Rasa and action server up before it says it is ready.

A cold Rasa compiles its TensorFlow graphs on its first turns and the action server loads the
retriever on its first question: those first turns take seconds, longer than RASA_TIMEOUT_S,
and a citizen who wrote then got the apology. So at start (a background task, `Gateway.start`)
the gateway holds short conversations of its own with its Rasa, with a generous timeout, that go
through every code path: NLU, the procedure form (asks which procedure, then answers), retrieval
over the guidance documents, and a rating (the feedback store). A round is a few such
conversations at once (citizens come together too); rounds repeat until one comes back complete,
every turn within RASA_TIMEOUT_S. Only then `ready` is set: `/health` answers 200 and the
supervisor prints "ready". Citizens' turns that arrive before wait for `ready` (at most
WARM_UP_WAIT_S) instead of getting the apology.

After that the task keeps an eye on Rasa and the action server: when they stay unreachable for
a few checks in a row (e.g. Rasa crashed and the supervisor restarts it, cold), `ready` is
cleared and the warm-up runs again once they are back. Meanwhile turns get the apology at once
(nothing to wait for while Rasa is down); they wait only while a warm-up is under way, or at
the gateway's start.

The warm-up senders start with store.outcomes.WARM_UP_SENDER: they are never counted in the
metrics (these turns do not go through `Gateway.rasa_turn`) and the staff report leaves them out
(turns and ratings).
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import List, Optional, Tuple

from server.rasa_client import RasaClient, RasaUnavailable
from store.outcomes import WARM_UP_SENDER

log = logging.getLogger(__name__)

# one conversation: a greeting (NLU), the procedure form (it asks which procedure, the answer
# fills it and runs the catalog answer), a question answered from the guidance documents
# (retrieval) and a rating of that answer (the feedback store)
SCRIPT: Tuple[str, ...] = (
    "xin chào",
    "thủ tục này mất bao lâu vậy",
    "hộ chiếu",
    "đăng nhập dịch vụ công bằng VNeID thế nào",
    "/rate_good",
)
CONVERSATIONS = 3  # at once in a round
TURN_TIMEOUT_S = 60.0  # a cold turn may take this long before the round counts as failed
MAX_SLOW_ROUNDS = 5  # complete rounds slower than RASA_TIMEOUT_S before giving up waiting
RETRY_S = 1.0  # between rounds that failed (Rasa or the actions not up yet)
WATCH_S = 2.0  # once ready: how often Rasa and the actions are checked
DOWN_CHECKS = 3  # failed checks in a row before the warm-up starts over


class WarmUp:
    def __init__(self, rasa: RasaClient, timeout_s: float, worker_id: int = 0) -> None:
        self.rasa = rasa
        self.timeout_s = timeout_s  # the production bound a round must meet (RASA_TIMEOUT_S)
        self.worker_id = worker_id
        self.ready = asyncio.Event()
        self.ever_ready = False
        self.warming = False  # Rasa and the actions answer; a warm-up round is under way
        self.rounds = 0
        self.last_round_s: Optional[float] = None  # slowest turn of the last complete round

    def sender(self) -> str:
        return f"{WARM_UP_SENDER}:{self.worker_id}:{uuid.uuid4().hex[:12]}"

    async def _conversation(self) -> float:
        """One scripted conversation; returns its slowest turn in seconds. Raises
        RasaUnavailable when a turn fails or comes back empty."""
        sender, slowest = self.sender(), 0.0
        for text in SCRIPT:
            start = time.perf_counter()
            replies = await self.rasa.send(sender, text, metadata={"channel": "warmup"}, timeout_s=TURN_TIMEOUT_S)
            slowest = max(slowest, time.perf_counter() - start)
            if not replies:
                raise RasaUnavailable(f"no reply to a warm-up turn ({text!r})")
        return slowest

    async def round(self) -> float:
        results: List[float] = await asyncio.gather(*(self._conversation() for _ in range(CONVERSATIONS)))
        return max(results)

    async def _up(self) -> bool:
        status = await self.rasa.status()
        return status["rasa"] == "ok" and status["actions"] == "ok"

    async def run(self) -> None:
        """Warm up, then watch; again after Rasa or the actions were away (cancelled with the
        gateway)."""
        while True:
            await self.warm()
            down = 0
            while down < DOWN_CHECKS:
                await asyncio.sleep(WATCH_S)
                down = 0 if await self._up() else down + 1
            self.ready.clear()
            log.warning("Rasa or the action server is unreachable: the apology meanwhile; warming up again when they are back")

    async def warm(self) -> None:
        """Until ready."""
        started, slow_rounds = time.monotonic(), 0
        try:
            while not self.ready.is_set():
                if not await self._up():
                    self.warming = False
                    await asyncio.sleep(RETRY_S)
                    continue
                self.warming = True
                self.rounds += 1
                try:
                    slowest = await self.round()
                except RasaUnavailable as exc:
                    log.info("warm-up round %d failed (%s); trying again", self.rounds, exc)
                    await asyncio.sleep(RETRY_S)
                    continue
                self.last_round_s = slowest
                if slowest <= self.timeout_s:
                    log.info("warmed up: %d round(s) in %.1f s; slowest turn of the last round %.2f s (RASA_TIMEOUT_S %.1f s)",
                             self.rounds, time.monotonic() - started, slowest, self.timeout_s)
                    break
                slow_rounds += 1
                if slow_rounds >= MAX_SLOW_ROUNDS:
                    log.warning(
                        "still slow after %d warm-up rounds: a turn takes %.1f s, more than RASA_TIMEOUT_S %.1f s. "
                        "Saying ready anyway; citizens may get the apology: give the machine more CPU or raise RASA_TIMEOUT_S",
                        slow_rounds, slowest, self.timeout_s,
                    )
                    break
        finally:
            self.warming = False
        self.ever_ready = True
        self.ready.set()

    @property
    def worth_waiting(self) -> bool:
        """A turn now should wait for the warm-up: the gateway has just started, or Rasa is back
        and being warmed up (while Rasa is down, waiting would only delay the apology)."""
        return not self.ready.is_set() and (not self.ever_ready or self.warming)

    async def wait(self, timeout_s: float) -> bool:
        """Wait until ready, at most `timeout_s`; True when ready."""
        if self.ready.is_set():
            return True
        try:
            await asyncio.wait_for(self.ready.wait(), timeout_s)
        except asyncio.TimeoutError:
            return False
        return True
