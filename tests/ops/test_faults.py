"""Faults with the real processes on loopback: Rasa down or hung, the action server down, the
database (PostgreSQL, through a proxy we can cut) down. The citizen always gets a 200 with an
answer or an apology with the hotline; nothing the citizen gave is lost; the bot recovers."""
from __future__ import annotations

import os
import signal
import time

import pytest
import sqlalchemy as sa

from tests.ops.stack import Proxy, Worker

pytestmark = pytest.mark.slow

QUESTION = "Làm thẻ căn cước mất bao lâu?"


def texts(response) -> str:
    assert response.status_code == 200, response.text
    return " ".join(m["text"] or "" for m in response.json()["messages"])


def is_apology(text: str) -> bool:
    return text.startswith("Xin lỗi, hệ thống trả lời tự động") and "18001096" in text


@pytest.fixture(scope="module")
def worker(bot_env, trained_model, pg_url):
    import psycopg2.extensions

    proxy = Proxy(5432)
    url = sa.engine.make_url(pg_url).set(port=proxy.port)
    database_url = url.render_as_string(hide_password=False)
    w = Worker(dict(bot_env, DATABASE_URL=database_url, RASA_TIMEOUT_S="2.5"), str(trained_model))
    w.proxy, w.database_url = proxy, database_url
    for name in ("actions", "rasa", "gateway"):
        w.start(name)
    try:
        w.wait_ready()
        yield w
    finally:
        w.stop_all()


def test_rasa_down_or_hung_gets_an_apology_and_the_bot_recovers(worker):
    assert "7 ngày làm việc" in texts(worker.say("f-1", QUESTION))

    rasa = worker.children["rasa"].proc
    os.kill(rasa.pid, signal.SIGSTOP)  # hung: accepts connections, never answers
    try:
        start = time.monotonic()
        reply = worker.say("f-2", QUESTION)
        hung_s = time.monotonic() - start
    finally:
        os.kill(rasa.pid, signal.SIGCONT)
    assert is_apology(texts(reply))
    print(f"apology with Rasa hung after {hung_s:.2f} s")

    worker.stop("rasa")  # down: connection refused
    start = time.monotonic()
    reply = worker.say("f-3", QUESTION)
    print(f"apology with Rasa down after {time.monotonic() - start:.2f} s")
    assert is_apology(texts(reply))
    assert worker.say("f-3", "   x   ").status_code == 200  # nothing turns into a 5xx

    worker.start("rasa")
    worker.wait_ready()
    assert "7 ngày làm việc" in texts(worker.say("f-4", QUESTION))


def test_action_server_down_gets_an_apology_and_the_bot_recovers(worker):
    worker.stop("actions")
    reply = texts(worker.say("a-1", "đăng nhập dịch vụ công bằng VNeID thế nào"))
    assert is_apology(reply)

    worker.start("actions")
    worker.wait_ready()
    response = worker.say("a-2", "đăng nhập dịch vụ công bằng VNeID thế nào")
    assert not is_apology(texts(response))
    assert any(m["sources"] for m in response.json()["messages"])


def test_database_down_turns_are_answered_and_feedback_waits_in_the_spool(worker):
    engine = sa.create_engine(worker.database_url)

    def ratings() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM feedback WHERE conversation_id = 'web:d-1'")).scalar_one()

    assert "7 ngày làm việc" in texts(worker.say("d-1", QUESTION))
    worker.proxy.cut()
    try:
        assert "7 ngày làm việc" in texts(worker.say("d-1", QUESTION))  # answered without the database
        thanks = texts(worker.say("d-1", "/rate_good"))
        assert thanks and not is_apology(thanks)
    finally:
        worker.proxy.restore()
    assert ratings() == 0  # not in the database yet: in the spool

    texts(worker.say("d-1", "/rate_good"))  # the next write replays the spool first
    assert ratings() == 2
    with engine.connect() as conn:  # and the conversation is recorded again
        assert conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = 'web:d-1'")).scalar_one() > 0
