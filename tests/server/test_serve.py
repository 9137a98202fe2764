"""`dvc-bot serve`: real processes (action server, Rasa, gateway) on loopback, real HTTP."""
import socket
import subprocess
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import DVC_BOT, ROOT, Served, free_port
from tests.fakes import is_apology

pytestmark = pytest.mark.slow

RASA_TOKEN = "test-rasa-token-0123456789"


def serve_env(bot_env):
    return dict(bot_env, PORT=str(free_port()), RASA_PORT=str(free_port()), ACTIONS_PORT=str(free_port()), RASA_TOKEN=RASA_TOKEN)


@pytest.fixture(scope="module")
def served(bot_env, trained_model, tmp_path_factory):
    """One `dvc-bot serve` shared by the module's tests; none of them stops it (the Ctrl-C test
    starts its own)."""
    env = serve_env(bot_env)
    serve = Served(env, tmp_path_factory.mktemp("serve-log") / "serve.log")
    serve.wait_ready()
    yield f"http://127.0.0.1:{env['PORT']}", serve, env
    serve.stop()


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


def test_a_fresh_start_answers_its_first_citizens_then_stops_on_ctrl_c(bot_env, trained_model, tmp_path):
    """Ready means ready: the moment /health first says 200, three citizens writing at once each
    get a real answer, not the apology (benchmarks/cold_start.py measures how fast). Then Ctrl-C
    stops everything. Its own `dvc-bot serve`: the module's shared one is never stopped here."""
    env = serve_env(bot_env)
    serve = Served(env, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert serve.proc.poll() is None and time.monotonic() < deadline, serve.output()[-4000:]
            try:
                health = httpx.get(f"{base}/health", timeout=5)
            except httpx.HTTPError:
                health = None
            if health is not None and health.status_code == 200:
                break
            if health is not None:
                assert health.json()["status"] in ("unavailable", "warming up")
            time.sleep(0.2)
        questions = {"cold-1": "Làm thẻ căn cước mất bao lâu?", "cold-2": "đăng nhập dịch vụ công bằng VNeID thế nào",
                     "cold-3": "xin chào"}
        with ThreadPoolExecutor(len(questions)) as pool:
            answers = dict(zip(questions, pool.map(lambda item: web_turn(base, *item), questions.items())))
        for sender, messages in answers.items():
            assert messages and not any(is_apology(m) for m in messages), (sender, messages)
            assert " ".join(m["text"] for m in messages).strip()
        assert "7 ngày làm việc" in " ".join(m["text"] for m in answers["cold-1"])
        serve.wait_ready(60)  # the supervisor says "ready" once /health does
    finally:
        returncode = serve.stop()
    output = serve.output()
    assert returncode == 0, output[-3000:]
    assert "[dvc-bot] stopped" in output
    for port in (env["PORT"], env["RASA_PORT"], env["ACTIONS_PORT"]):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still open"
