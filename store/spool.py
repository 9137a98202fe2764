"""A local append-only file for store writes made while the database is unavailable.

Each line is one JSON record, already redacted, appended under a file lock and fsynced before
the citizen is told "đã ghi nhận". `replay()` writes the records to the database (each carries a
unique `ref`, so a record replayed twice, e.g. after a crash between the insert and the
truncation, is stored once) and empties the file. A torn last line (the process was killed
mid-write) is skipped: its write was never acknowledged.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, record: Dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        with self._locked() as handle:
            handle.seek(0, os.SEEK_END)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def records(self) -> List[Dict[str, Any]]:
        with self._locked() as handle:
            return self._read(handle)

    @staticmethod
    def _read(handle: Any) -> List[Dict[str, Any]]:
        handle.seek(0)
        out = []
        for raw in handle.read().split(b"\n"):
            if not raw.strip():
                continue
            try:
                out.append(json.loads(raw))
            except ValueError:
                log.warning("spool: skipped a torn record (a write interrupted before it was acknowledged)")
        return out

    def replay(self, write: Callable[[List[Dict[str, Any]]], None]) -> int:
        """Hand every spooled record to `write` (one call, all or nothing), then empty the
        spool. If `write` raises, the spool is kept as it was."""
        if not self.pending():
            return 0
        with self._locked() as handle:
            records = self._read(handle)
            if records:
                write(records)
            handle.truncate(0)
            handle.flush()
            os.fsync(handle.fileno())
        if records:
            log.info("spool: %d record(s) written to the database", len(records))
        return len(records)
