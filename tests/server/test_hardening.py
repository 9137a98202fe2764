"""Gateway-wide protections: body size limit, per-sender rate limit, no personal data in logs,
acknowledged events survive a restart."""
import json
import sqlite3

import httpx

from tests.fakes import facebook_sig, messenger_body, messenger_text, wait_for, zalo_mac, zalo_text_event


def signed_zalo(client, gateway, body):
    raw = json.dumps(body, ensure_ascii=False).encode()
    return client.post(f"{gateway.base}/webhooks/zalo", content=raw, headers={
        "content-type": "application/json", "X-ZEvent-Signature": zalo_mac("app-1", raw, body["timestamp"], "oa-secret-key")})


def test_oversized_bodies_get_413(platform, start_gateway, client):
    gateway = start_gateway(max_body_bytes=1024)
    big = json.dumps(zalo_text_event("1", "x" * 2000, "m-big")).encode()
    response = client.post(f"{gateway.base}/webhooks/zalo", content=big, headers={"X-ZEvent-Signature": "mac=00"})
    assert response.status_code == 413

    def chunks():  # no Content-Length: the limit counts the streamed bytes
        for _ in range(10):
            yield b"x" * 200

    response = client.post(f"{gateway.base}/webhooks/facebook", content=chunks())
    assert response.status_code == 413
    response = client.post(f"{gateway.base}/webhooks/web", json={"sender": "a", "message": "y" * 1500})
    assert response.status_code == 413
    assert platform.calls("rasa") == []


def test_rate_limit_on_zalo_tells_once_then_stays_quiet(platform, start_gateway, client):
    gateway = start_gateway(rate_limit_messages=3, rate_limit_window_s=3600)
    for i in range(6):
        assert signed_zalo(client, gateway, zalo_text_event("9001", f"câu {i}", f"m-rl-{i}")).status_code == 200
    db = sqlite3.connect(gateway.settings.data_dir / "gateway.db", isolation_level=None)
    # every acknowledged event processed (its inbox row goes when its turn is done): nothing more will come
    wait_for(lambda: db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0 and len(platform.sent("zalo")) >= 4)
    texts = [r["json"]["message"]["text"] for r in platform.sent("zalo")]
    assert len(texts) == 4 and "nhắn hơi nhanh" in texts[3]
    assert len(platform.calls("rasa")) == 3
    # another citizen is not affected
    signed_zalo(client, gateway, zalo_text_event("9002", "xin chào", "m-rl-other"))
    wait_for(lambda: len(platform.sent("zalo")) == 5)


def test_rate_limit_on_the_web_is_a_polite_429(platform, start_gateway, client):
    gateway = start_gateway(rate_limit_messages=2, rate_limit_window_s=3600)
    codes = [client.post(f"{gateway.base}/webhooks/web", json={"sender": "w1", "message": "chào"}).status_code for _ in range(2)]
    limited = client.post(f"{gateway.base}/webhooks/web", json={"sender": "w1", "message": "chào"})
    assert codes == [200, 200] and limited.status_code == 429
    assert "nhắn hơi nhanh" in limited.json()["messages"][0]["text"]


def test_no_personal_data_in_logs(platform, start_gateway, client, caplog):
    caplog.set_level("DEBUG")
    gateway = start_gateway(outbound_attempts=1)
    secret_text = "CCCD của tôi là 001203004567, số điện thoại 0912345678, email an.nguyen@example.vn"
    platform.fail_next["zalo"] = ["500"]  # a failed send is logged
    platform.fail_next["graph"] = ["500"]
    signed_zalo(client, gateway, zalo_text_event("7700112233", secret_text, "m-pii"))
    raw = json.dumps(messenger_body(messenger_text("5566778899", secret_text, "mid.pii")), ensure_ascii=False).encode()
    client.post(f"{gateway.base}/webhooks/facebook", content=raw, headers={"X-Hub-Signature-256": facebook_sig("fb-app-secret", raw)})
    client.post(f"{gateway.base}/webhooks/zalo", content=raw, headers={"X-ZEvent-Signature": "mac=00"})  # rejected
    client.get(f"{gateway.base}/webhooks/facebook", params={"hub.mode": "subscribe", "hub.verify_token": "0912345678", "hub.challenge": "1"})
    wait_for(lambda: platform.sent("zalo") and platform.sent("graph"), what="both replies after a retry")
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "send to" in logged and "failed (HTTP 500)" in logged  # the failures were logged ...
    for personal in ("001203004567", "0912345678", "an.nguyen@example.vn", "7700112233", "5566778899",
                     "page-token", "zalo-access-1"):
        assert personal not in logged  # ... without personal data or secrets


def test_acknowledged_events_survive_a_restart(platform, start_gateway, client, tmp_path):
    first = start_gateway(shutdown_grace_s=0.2)
    platform.rasa_gate.clear()  # the turn hangs in Rasa
    assert signed_zalo(client, first, zalo_text_event("9003", "xin chào", "m-inbox")).json() == {"status": "accepted"}
    wait_for(lambda: platform.calls("rasa"))
    first.__exit__(None, None, None)  # stops with the turn unfinished
    db = sqlite3.connect(tmp_path / "var" / "gateway.db")
    assert db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 1
    platform.rasa_gate.set()
    start_gateway()
    wait_for(lambda: platform.sent("zalo"), what="reply after restart")
    wait_for(lambda: db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0, what="inbox emptied")
    assert len(platform.sent("zalo")) == 1


def test_web_rest_still_answers_and_bad_input_is_422(platform, gateway, client):
    body = client.post(f"{gateway.base}/webhooks/web", json={"sender": "w2", "message": "Ho\u0300a"}).json()
    assert body["messages"][0]["text"] == "Trả lời: Hòa"
    assert body["messages"][0]["sources"][0]["url"] == "https://dichvucong.gov.vn/"
    assert client.post(f"{gateway.base}/webhooks/web", json={"sender": "w2"}).status_code == 422
    assert client.post(f"{gateway.base}/webhooks/web", content=b"{x", headers={"content-type": "application/json"}).status_code == 422


def test_rasa_down_gives_an_apology_not_an_error(platform, start_gateway, client):
    gateway = start_gateway(rasa_url="http://127.0.0.1:9")
    signed_zalo(client, gateway, zalo_text_event("9004", "xin chào", "m-down"))
    [request] = wait_for(lambda: platform.sent("zalo"))
    assert "18001096" in request["json"]["message"]["text"]
    assert httpx.get(f"{gateway.base}/health").status_code == 503
