"""`dvc-bot serve`: real processes (action server, Rasa, gateway) on loopback, real HTTP."""
import socket
import subprocess

import httpx
import pytest

from tests.conftest import DVC_BOT, ROOT, Served, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(bot_env, trained_model, tmp_path_factory):
    env = dict(bot_env, PORT=str(free_port()), RASA_PORT=str(free_port()), ACTIONS_PORT=str(free_port()))
    serve = Served(env, tmp_path_factory.mktemp("serve-log") / "serve.log")
    serve.wait_ready()
    yield f"http://127.0.0.1:{env['PORT']}", serve, env
    serve.stop()


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


def test_old_style_tone_marks_are_normalised_before_rasa(served):
    base, _, _ = served
    body = httpx.post(f"{base}/webhooks/web", json={"sender": "citizen-3", "message": "làm hộ chiếu mất bao lâu thì xong ạ"}, timeout=30).json()
    assert body["messages"]


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


def test_ctrl_c_stops_everything_cleanly(served):
    base, serve, env = served
    returncode = serve.stop()
    output = serve.output()
    assert returncode == 0, output[-3000:]
    assert "[dvc-bot] stopped" in output
    for port in (env["PORT"], env["RASA_PORT"], env["ACTIONS_PORT"]):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still open"
