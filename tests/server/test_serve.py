"""`dvc-bot serve`: real processes (action server, Rasa, gateway) on loopback, real HTTP. The
stack is the one the end-to-end modules share (tests/after_model.py): its first citizens were
sent the moment /health said 200, and Ctrl-C stops it at the end of the session (tests/conftest.py)."""
import socket
import subprocess
import unicodedata

import httpx
import pytest

from tests.after_model import COLD_START_QUESTIONS, RASA_TOKEN
from tests.conftest import DVC_BOT, ROOT, free_port
from tests.fakes import is_apology

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(shared_stack):
    """The `dvc-bot serve` stack shared with other end-to-end modules (tests/after_model.py); none
    of them stops it: the session's end stops it with Ctrl-C and checks that every child stopped
    and every port is free (tests/conftest.py, `shared_stack`)."""
    return shared_stack.base, shared_stack.served, shared_stack.env


def web_turn(base, sender, message):
    response = httpx.post(f"{base}/webhooks/web", json={"sender": sender, "message": message}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_health_reports_model_and_actions(served):
    base, _, _ = served
    body = httpx.get(f"{base}/health").json()
    assert body["status"] == "ok" and body["rasa"] == "ok" and body["actions"] == "ok"
    assert body["model"].startswith("dvc-bot-")


def test_web_round_trip_through_rasa_and_the_action_server(served):
    base, _, _ = served
    response = httpx.post(f"{base}/webhooks/web", json={"sender": "citizen-1", "message": "Làm thẻ căn cước mất bao lâu?"}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["sender"] == "citizen-1"
    text = " ".join(m["text"] for m in body["messages"])
    assert "7 ngày làm việc" in text
    sources = [s for m in body["messages"] for s in m["sources"]]
    assert sources and sources[0]["checked"]


def test_context_carries_over_within_a_conversation(served):
    base, _, _ = served
    httpx.post(f"{base}/webhooks/web", json={"sender": "citizen-2", "message": "làm hộ chiếu mất bao lâu"}, timeout=30)
    body = httpx.post(f"{base}/webhooks/web", json={"sender": "citizen-2", "message": "thủ tục này mất bao lâu"}, timeout=30).json()
    assert "hộ chiếu" in body["messages"][0]["text"]


def test_decomposed_text_is_normalised_before_rasa(served):
    base, _, env = served
    typed = unicodedata.normalize("NFD", "làm hộ chiếu mất bao lâu thì xong ạ")  # as some phone keyboards send it
    assert typed != unicodedata.normalize("NFC", typed)
    messages = web_turn(base, "citizen-3", typed)
    assert not any(is_apology(m) for m in messages)
    assert "8 ngày làm việc" in " ".join(m["text"] for m in messages)
    # what Rasa got and stored: the composed form
    tracker = httpx.get(f"http://127.0.0.1:{env['RASA_PORT']}/conversations/web:citizen-3/tracker",
                        params={"token": RASA_TOKEN}, timeout=30).json()
    [said] = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == unicodedata.normalize("NFC", typed)


def test_rasa_http_api_refuses_calls_without_its_token(served):
    """Rasa's API exposes conversations: only the gateway, which has the token, may call it."""
    _, _, env = served
    web_turn(served[0], "citizen-4", "xin chào")
    rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
    for params in ({}, {"token": "wrong"}):
        assert httpx.get(f"{rasa}/conversations/web:citizen-4/tracker", params=params, timeout=30).status_code == 401
        assert httpx.get(f"{rasa}/status", params=params, timeout=30).status_code == 401
    assert httpx.get(f"{rasa}/conversations/web:citizen-4/tracker", params={"token": RASA_TOKEN}, timeout=30).status_code == 200


def test_health_live_answers_while_the_gateway_runs(served):
    base, _, _ = served
    response = httpx.get(f"{base}/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "payload",
    [{"sender": "a", "message": "   "}, {"sender": "", "message": "chào"}, {"message": "chào"}, {"sender": "a", "message": "x" * 2001}, {"sender": "a\x00b", "message": "chào"}],
)
def test_bad_input_gets_a_clear_4xx(served, payload):
    base, _, _ = served
    response = httpx.post(f"{base}/webhooks/web", json=payload)
    assert response.status_code == 422


def test_malformed_json_gets_a_clear_4xx(served):
    base, _, _ = served
    response = httpx.post(f"{base}/webhooks/web", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_openapi_docs_are_served(served):
    base, _, _ = served
    assert "/webhooks/web" in httpx.get(f"{base}/openapi.json").json()["paths"]


def test_a_taken_port_is_a_clear_error(bot_env, trained_model):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = dict(bot_env, PORT=str(port), RASA_PORT=str(free_port()), ACTIONS_PORT=str(free_port()))
        result = subprocess.run([DVC_BOT, "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"gateway port {port} already in use" in result.stderr


def test_a_fresh_start_answers_its_first_citizens(shared_stack):
    """Ready means ready: the moment /health first said 200, three citizens writing at once each
    got a real answer, not the apology (benchmarks/cold_start.py measures how fast). The shared
    stack sent them right after it started (tests/after_model.py); this reads what they got."""
    assert set(shared_stack.health_seen) <= {"unavailable", "warming up"}
    answers = shared_stack.first_turns
    assert set(answers) == set(COLD_START_QUESTIONS)
    for sender, messages in answers.items():
        assert messages and not any(is_apology(m) for m in messages), (sender, messages)
        assert " ".join(m["text"] for m in messages).strip()
    assert "7 ngày làm việc" in " ".join(m["text"] for m in answers["cold-1"])
