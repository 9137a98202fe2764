"""Background work after a webhook is acknowledged: one task per event, the turns of one sender
run one after another (in arrival order), failures are logged without message contents."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Dict, Set

log = logging.getLogger(__name__)


class Work:
    def __init__(self) -> None:
        self._tasks: Set[asyncio.Task] = set()
        self._locks: Dict[str, asyncio.Lock] = {}
        self._users: Dict[str, int] = {}

    def spawn(self, key: str, job: Callable[[], Awaitable[None]], label: str = "turn") -> None:
        """Run `job()` in the background, after earlier jobs with the same key."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1

        async def run() -> None:
            try:
                async with lock:
                    await job()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let a background failure pass silently
                log.error("%s failed in the background: %s", label, type(exc).__name__)
            finally:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]
                    self._locks.pop(key, None)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout_s: float) -> None:
        """Wait for running jobs (on shutdown); cancel what is left after the timeout."""
        if not self._tasks:
            return
        done, left = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        for task in left:
            task.cancel()
        if left:
            log.warning("%d background jobs cancelled at shutdown", len(left))
