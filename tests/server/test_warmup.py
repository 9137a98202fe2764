"""Readiness (server/warmup.py): the gateway warms its Rasa up before /health says 200, and a
citizen who writes meanwhile waits for it instead of getting the apology. The Rasa stand-in
(tests/fakes.py) is held back with its gate to play a cold model."""
import threading

import httpx
import pytest

from server.warmup import CONVERSATIONS, SCRIPT
from store.outcomes import WARM_UP_SENDER
from tests.fakes import is_apology, wait_for


def warm_up_calls(platform):
    return [c for c in platform.calls("rasa") if c["json"]["sender"].startswith(WARM_UP_SENDER)]


def test_health_says_warming_up_until_the_warm_up_turns_are_answered(platform, start_gateway, client):
    platform.rasa_gate.clear()  # a cold model: no answer yet
    try:
        gateway = start_gateway(warm_up=True)
        wait_for(lambda: len(warm_up_calls(platform)) >= CONVERSATIONS, what="warm-up turns sent")
        response = client.get(f"{gateway.base}/health")
        assert response.status_code == 503 and response.json()["status"] == "warming up"
        assert response.json()["rasa"] == "ok" and response.json()["actions"] == "ok"
        assert client.get(f"{gateway.base}/health/live").json() == {"status": "ok"}  # liveness as before
    finally:
        platform.rasa_gate.set()
    wait_for(lambda: client.get(f"{gateway.base}/health").status_code == 200, what="ready after the warm-up")
    assert client.get(f"{gateway.base}/health").json()["status"] == "ok"
    calls = warm_up_calls(platform)
    # every code path: NLU, the procedure form, retrieval, a rating; in conversations of their own
    senders = {c["json"]["sender"] for c in calls}
    assert len(senders) >= CONVERSATIONS
    for sender in senders:
        assert [c["json"]["message"] for c in calls if c["json"]["sender"] == sender] == list(SCRIPT)
    assert all(c["json"]["metadata"] == {"channel": "warmup"} for c in calls)


def test_a_citizen_writing_during_the_warm_up_waits_and_gets_an_answer(platform, start_gateway, caplog):
    caplog.set_level("INFO", logger="server.gateway")
    platform.rasa_gate.clear()
    replies = {}
    try:
        # production's short timeout: a turn sent to the held-back Rasa would get the apology
        gateway = start_gateway(warm_up=True, rasa_timeout_s=0.5)
        wait_for(lambda: warm_up_calls(platform), what="warm-up started")

        def citizen():
            replies["body"] = httpx.post(f"{gateway.base}/webhooks/web", json={"sender": "c-1", "message": "xin chào"}, timeout=30).json()

        thread = threading.Thread(target=citizen)
        thread.start()
        wait_for(lambda: any("a turn waits for the warm-up" in r.getMessage() for r in caplog.records), what="turn waiting")
    finally:
        platform.rasa_gate.set()
    thread.join(30)
    [message] = replies["body"]["messages"]
    assert not is_apology(message) and message["text"].startswith("Trả lời: xin chào")
    calls = platform.calls("rasa")
    citizen_at = next(i for i, c in enumerate(calls) if c["json"]["sender"] == "web:c-1")
    assert len(warm_up_calls(platform)) >= len(SCRIPT) * CONVERSATIONS
    assert all(c["json"]["sender"].startswith(WARM_UP_SENDER) for c in calls[:citizen_at])  # only after the warm-up


def test_the_wait_is_bounded_when_rasa_never_comes(platform, start_gateway):
    gateway = start_gateway(warm_up=True, rasa_url="http://127.0.0.1:9", warm_up_wait_s=0.5)
    body = httpx.post(f"{gateway.base}/webhooks/web", json={"sender": "c-2", "message": "xin chào"}, timeout=30).json()
    assert is_apology(body["messages"][0])  # honest, after at most WARM_UP_WAIT_S
    response = httpx.get(f"{gateway.base}/health")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_warm_up_turns_are_not_counted_in_the_metrics(platform, start_gateway, client):
    gateway = start_gateway(warm_up=True)
    wait_for(lambda: client.get(f"{gateway.base}/health").status_code == 200, what="ready")
    assert len(warm_up_calls(platform)) >= len(SCRIPT) * CONVERSATIONS
    assert "dvc_turns_total{" not in client.get(f"{gateway.base}/metrics").text
    client.post(f"{gateway.base}/webhooks/web", json={"sender": "c-3", "message": "xin chào"})
    assert 'dvc_turns_total{channel="web"' in client.get(f"{gateway.base}/metrics").text


@pytest.mark.parametrize("value", ["off", "false", "0"])
def test_warm_up_can_be_turned_off(monkeypatch, value):
    monkeypatch.setenv("WARM_UP", value)
    from common.settings import Settings

    assert Settings().warm_up is False


# -- the warm-up's own logic, with a stub in place of the Rasa client ----------------------
class StubRasa:
    def __init__(self, delays=()):
        self.up = True
        self.delays = list(delays)  # seconds per round, then instant
        self.senders = []

    async def status(self):
        state = "ok" if self.up else "down"
        return {"rasa": state, "actions": state, "model": None}

    async def send(self, sender, text, metadata=None, timeout_s=None):
        import asyncio

        from server.rasa_client import RasaUnavailable
        from server.replies import Reply

        if not self.up:
            raise RasaUnavailable("ConnectError")
        if sender not in self.senders:
            self.senders.append(sender)
        round_ = (len(self.senders) - 1) // CONVERSATIONS
        if round_ < len(self.delays):
            await asyncio.sleep(self.delays[round_])
        return [Reply(text="ok")]


def run_scenario(coroutine):
    import asyncio

    return asyncio.run(asyncio.wait_for(coroutine, 20))


async def until(predicate):
    import asyncio

    while not predicate():
        await asyncio.sleep(0.005)


@pytest.fixture
def quick(monkeypatch):
    from server import warmup

    monkeypatch.setattr(warmup, "WATCH_S", 0.01)
    monkeypatch.setattr(warmup, "RETRY_S", 0.01)
    return warmup


def test_a_round_slower_than_the_timeout_does_not_count(quick):
    async def scenario():
        import asyncio

        rasa = StubRasa(delays=[0.2])  # the first round is cold: slower than the 0.1 s timeout
        warm = quick.WarmUp(rasa, timeout_s=0.1)
        task = asyncio.create_task(warm.run())
        await asyncio.wait_for(warm.ready.wait(), 10)
        task.cancel()
        return warm, rasa

    warm, rasa = run_scenario(scenario())
    assert warm.rounds == 2 and warm.last_round_s <= 0.1 and len(rasa.senders) == 2 * CONVERSATIONS


def test_ever_slow_says_ready_after_the_last_round_with_a_warning(quick, caplog):
    async def scenario():
        import asyncio

        warm = quick.WarmUp(StubRasa(delays=[0.05] * 10), timeout_s=0.01)
        task = asyncio.create_task(warm.run())
        await asyncio.wait_for(warm.ready.wait(), 10)
        task.cancel()
        return warm

    caplog.set_level("WARNING", logger="server.warmup")
    assert run_scenario(scenario()).rounds == quick.MAX_SLOW_ROUNDS
    assert any("citizens may get the apology" in r.getMessage() for r in caplog.records)


def test_after_rasa_was_away_it_is_warmed_up_again_and_turns_do_not_wait_while_it_is_down(quick):
    async def scenario():
        import asyncio

        rasa = StubRasa()
        warm = quick.WarmUp(rasa, timeout_s=1.0)
        assert warm.worth_waiting  # at start: wait for the warm-up
        task = asyncio.create_task(warm.run())
        await asyncio.wait_for(warm.ready.wait(), 10)
        assert not warm.worth_waiting
        rasa.up = False  # Rasa crashed
        await until(lambda: not warm.ready.is_set())
        assert not warm.worth_waiting  # down: the apology at once, nothing to wait for
        rasa.up = True  # restarted, cold
        await asyncio.wait_for(warm.ready.wait(), 10)
        task.cancel()
        return rasa

    assert len(run_scenario(scenario()).senders) == 2 * CONVERSATIONS  # a second warm-up
