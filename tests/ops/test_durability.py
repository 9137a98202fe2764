"""Feedback is never lost: the database down or locked → the local spool, replayed once; a
process killed in the middle of writes leaves a readable store with every acknowledged record."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from store.db import DB_TIMEOUT_S, configure_engine, engine_for
from store.records import add_feedback, add_handoff, attach_comment, flush_spool, list_feedback, list_handoffs
from store.spool import Spool
from tests.conftest import ROOT

DEAD_PG = "postgresql://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1


@pytest.fixture
def spool(tmp_path):
    return Spool(tmp_path / "spool" / "store.jsonl")


def test_database_down_writes_go_to_the_spool_then_to_the_database_once(tmp_path, spool):
    dead = configure_engine(DEAD_PG)
    fid = add_feedback("zalo:1", "zalo", "down", question="cccd 001203004567 làm ở đâu", engine=dead, spool=spool)
    attach_comment(5, "thiếu địa chỉ", engine=dead, spool=spool)
    add_handoff("fb:2", "facebook", "gặp cán bộ", [{"from": "citizen", "text": "sđt 0912345678"}], engine=dead, spool=spool)
    assert fid == 0 and spool.pending()
    assert "001203004567" not in spool.path.read_text() and "0912345678" not in spool.path.read_text()

    good = engine_for(f"sqlite:///{tmp_path / 'store.db'}")
    add_feedback("web:3", "web", "up", engine=good, spool=spool)  # the next write that gets through replays first
    assert not spool.pending()
    rows = list_feedback(engine=good)
    assert [(r["conversation_id"], r["rating"]) for r in rows] == [("zalo:1", "down"), ("web:3", "up")]
    assert "[số giấy tờ]" in rows[0]["question"] and rows[0]["created_at"] <= rows[1]["created_at"]
    assert list_handoffs(engine=good)[0]["transcript"] == [{"from": "citizen", "text": "sđt [số điện thoại]"}]


def test_a_replay_interrupted_after_the_insert_does_not_duplicate(tmp_path, spool):
    add_feedback("web:1", "web", "up", engine=configure_engine(DEAD_PG), spool=spool)
    saved = spool.path.read_bytes()
    good = engine_for(f"sqlite:///{tmp_path / 'store.db'}")
    assert flush_spool(good, spool) == 1
    spool.path.write_bytes(saved)  # as if the process died before emptying the spool
    assert flush_spool(good, spool) == 1
    assert len(list_feedback(engine=good)) == 1


def test_a_locked_sqlite_file_does_not_hang_the_write(tmp_path, spool):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = engine_for(url)
    blocker = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    result = {}
    try:
        # in a thread with a bound: if the write hangs, the test fails instead of hanging too
        writer = threading.Thread(target=lambda: result.update(id=add_feedback("web:1", "web", "up", engine=engine, spool=spool)),
                                  daemon=True)
        start = time.monotonic()
        writer.start()
        writer.join(DB_TIMEOUT_S + 20)
        assert not writer.is_alive(), f"the write still waits after {time.monotonic() - start:.0f} s"
        assert result["id"] == 0  # gave up (after DB_TIMEOUT_S) and spooled
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert flush_spool(engine, spool) == 1 and len(list_feedback(engine=engine)) == 1


WRITER = """
import sys
from store.db import engine_for
from store.records import add_feedback
from store.spool import Spool
engine = engine_for(sys.argv[1]) if sys.argv[1] != "dead" else __import__("store.db").db.configure_engine("postgresql://postgres@127.0.0.1:1/x")
spool = Spool(__import__("pathlib").Path(sys.argv[2]))
i = 0
while True:
    add_feedback(f"web:{i}", "web", "up", comment="x" * 2000, engine=engine, spool=spool)
    print(i, flush=True)  # acknowledged
    i += 1
"""


def _kill_while_writing(db_arg: str, spool_path, rounds: int = 4, round_timeout_s: float = 120) -> int:
    acknowledged = 0
    for n in range(rounds):
        errors = open(spool_path.parent / f"writer-{n}.err", "w+")  # a file: a pipe nobody reads would fill and block
        proc = subprocess.Popen([sys.executable, "-c", WRITER, db_arg, str(spool_path)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=errors, text=True)
        watchdog = threading.Timer(round_timeout_s, proc.kill)  # a writer that hangs is killed: readline ends
        watchdog.start()
        seen = 0
        try:
            while seen < 30 + 20 * n:  # kill at a different point each round
                if not proc.stdout.readline():  # the writer exited (or the watchdog killed it)
                    proc.wait()
                    errors.seek(0)
                    pytest.fail(f"writer ended after {seen} writes (exit {proc.returncode}): {errors.read()[-2000:]}")
                seen += 1
        finally:
            watchdog.cancel()
            errors.close()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        acknowledged += seen + len(proc.stdout.read().split())
    return acknowledged


def test_killed_during_feedback_writes_the_sqlite_store_is_intact(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine_for(url)
    acknowledged = _kill_while_writing(url, tmp_path / "spool.jsonl")
    conn = sqlite3.connect(tmp_path / "store.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = conn.execute("SELECT count(*) FROM feedback").fetchone()[0]
    assert acknowledged <= stored <= acknowledged + 4  # at most one unacknowledged write per kill


def test_killed_during_spooled_writes_every_acknowledged_record_is_replayed(tmp_path):
    spool_path = tmp_path / "spool.jsonl"
    acknowledged = _kill_while_writing("dead", spool_path)
    engine = engine_for(f"sqlite:///{tmp_path / 'store.db'}")
    replayed = flush_spool(engine, Spool(spool_path))
    assert acknowledged <= replayed <= acknowledged + 4
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(DISTINCT ref) FROM feedback")).scalar_one() == replayed
