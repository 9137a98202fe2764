"""The outbox on its own (real SQLite file, a recording sender): order, no double sends under
concurrency, retry with backoff, dead letters, permanent errors."""
import asyncio
import json
import random

from server.outbox import Outbox, SendFailed
from server.storage import Database


class Recorder:
    def __init__(self, failures=None, delay=0.0):
        self.sent = []
        self.failures = list(failures or [])  # SendFailed to raise, in order
        self.delay = delay

    async def send(self, recipient, message):
        await asyncio.sleep(self.delay * random.random())
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, message["text"]))


def make(tmp_path, sender, clock=None, **kw):
    kw = dict(attempts=2, backoff_s=0.0, retry_base_s=10.0, max_attempts=3, **kw)
    if clock:
        kw["clock"] = clock
    return Outbox(Database(tmp_path / "gateway.db"), {"zalo": sender}, **kw)


def test_concurrent_deliveries_and_flushes_send_each_message_once_in_order(tmp_path):
    sender = Recorder(delay=0.005)
    outbox = make(tmp_path, sender)

    async def run():  # deliveries and retry-worker flushes arriving while others are sending
        jobs = []
        for turn in range(10):
            jobs.append(asyncio.create_task(outbox.deliver("zalo", "u1", [{"text": f"{turn}-a"}, {"text": f"{turn}-b"}])))
            for _ in range(3):
                jobs.append(asyncio.create_task(outbox.flush("zalo", "u1")))
                await asyncio.sleep(0.002)
        await asyncio.gather(*jobs)

    asyncio.run(run())
    texts = [t for _, t in sender.sent]
    assert sorted(texts) == sorted(f"{i}-{x}" for i in range(10) for x in "ab")  # each exactly once
    for i in range(10):
        assert texts.index(f"{i}-a") < texts.index(f"{i}-b")  # a turn's messages keep their order
    assert outbox.counts() == {}


def test_retryable_failure_waits_with_backoff_then_goes_dead(tmp_path):
    now = [1000.0]
    timeout = SendFailed("timeout", retryable=True)
    sender = Recorder(failures=[timeout] * 6)
    outbox = make(tmp_path, sender, clock=lambda: now[0])
    asyncio.run(outbox.deliver("zalo", "u2", [{"text": "một"}, {"text": "hai"}]))
    row = outbox.db.query("SELECT attempts, next_at, status FROM outbox ORDER BY id")[0]
    assert (row["attempts"], row["next_at"], row["status"]) == (1, 1010.0, "pending")
    assert outbox.due() == []  # the second message waits behind the first
    now[0] = 1010.0
    assert outbox.due() == [("zalo", "u2")]
    asyncio.run(outbox.flush("zalo", "u2"))
    assert outbox.db.query("SELECT next_at FROM outbox ORDER BY id")[0]["next_at"] == 1030.0  # doubled
    now[0] = 1030.0
    asyncio.run(outbox.flush("zalo", "u2"))  # third round: max_attempts reached -> dead, move on
    assert [r["status"] for r in outbox.db.query("SELECT status FROM outbox ORDER BY id")] == ["dead"]
    assert sender.sent == [("u2", "hai")]


def test_permanent_failure_is_dead_at_once_and_later_messages_still_go(tmp_path):
    sender = Recorder(failures=[SendFailed("Zalo error -201", retryable=False)])
    outbox = make(tmp_path, sender)
    asyncio.run(outbox.deliver("zalo", "u3", [{"text": "một"}, {"text": "hai"}]))
    rows = outbox.db.query("SELECT message, status, last_error FROM outbox")
    assert [(json.loads(r["message"])["text"], r["status"], r["last_error"]) for r in rows] == [("một", "dead", "Zalo error -201")]
    assert sender.sent == [("u3", "hai")]


def test_messages_for_a_disabled_channel_are_kept(tmp_path):
    outbox = Outbox(Database(tmp_path / "gateway.db"), {})
    asyncio.run(outbox.deliver("facebook", "p1", [{"text": "x"}]))
    assert outbox.counts() == {"pending": 1}


def test_a_campaign_message_waits_outside_the_hours_and_reports_how_it_ended(tmp_path):
    now, closed_until = [1000.0], [5000.0]
    settled = []

    async def on_settled(delivery, sent, reason):
        settled.append((delivery, sent, reason))

    sender = Recorder(failures=[SendFailed("Zalo error -230", retryable=False)])
    outbox = make(tmp_path, sender, clock=lambda: now[0], on_settled=on_settled, campaign_hold=lambda: closed_until[0])
    asyncio.run(outbox.deliver("zalo", "u9", [{"text": "chiến dịch", "_campaign": 7}, {"text": "sau đó"}]))
    row = outbox.db.query("SELECT attempts, next_at, message FROM outbox ORDER BY id")[0]
    assert sender.sent == [] and (row["attempts"], row["next_at"]) == (0, 5000.0)  # waits, no attempt counted
    assert outbox.due() == []  # and the reply behind it keeps its place

    closed_until[0], now[0] = None, 5000.0  # morning
    asyncio.run(outbox.flush("zalo", "u9"))
    assert settled == [(7, False, "Zalo error -230")] and sender.sent == [("u9", "sau đó")]
    asyncio.run(outbox.deliver("zalo", "u9", [{"text": "chiến dịch hai", "_campaign": 8}]))
    assert settled[-1] == (8, True, "") and sender.sent[-1] == ("u9", "chiến dịch hai")
    assert outbox.counts() == {"dead": 1}
