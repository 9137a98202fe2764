"""Zalo OA webhook through real HTTP: the gateway under uvicorn, Zalo's payload shapes and
signature, a fake Zalo API/OAuth server and a Rasa stand-in that record what they receive."""
import json
import sqlite3
import time

import pytest

from tests.fakes import CITATION, wait_for, zalo_mac, zalo_text_event

SECRET = "oa-secret-key"


def send(client, gateway, body, signature="good", raw=None):
    raw = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if signature == "good":
        headers["X-ZEvent-Signature"] = zalo_mac("app-1", raw, str(body.get("timestamp", "")), SECRET)
    elif signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return client.post(f"{gateway.base}/webhooks/zalo", content=raw, headers=headers)


def texts_sent(platform, user=None):
    return [r["json"]["message"].get("text") for r in platform.sent("zalo")
            if user is None or r["json"]["recipient"]["user_id"] == user]


def sentinel(platform, gateway, client, user):
    """A later, valid message of the same user, and its reply: the gateway runs one user's events
    in arrival order, so once this is answered anything sent before has been fully processed.
    (A positive signal instead of "wait a little and see that nothing came".)"""
    reply = "Trả lời: tin cuối" + CITATION
    before = texts_sent(platform, user).count(reply)
    body = zalo_text_event(user, "tin cuối", f"m-sentinel-{user}-{time.monotonic_ns()}")
    assert send(client, gateway, body).json() == {"status": "accepted"}
    wait_for(lambda: texts_sent(platform, user).count(reply) > before, what="the sentinel's reply")
    return reply


def test_text_round_trip(platform, gateway, client):
    response = send(client, gateway, zalo_text_event("8401", "Làm căn cước mất bao lâu?", "m-1"))
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    wait_for(lambda: platform.sent("zalo"), what="zalo reply")
    [request] = platform.sent("zalo")
    assert request["headers"]["access_token"] == "zalo-access-1"
    assert request["json"] == {"recipient": {"user_id": "8401"}, "message": {"text": "Trả lời: Làm căn cước mất bao lâu?" + CITATION}}
    assert platform.calls("rasa")[0]["json"]["sender"] == "zalo:8401"


def test_ack_comes_before_the_turn_finishes(platform, gateway, client):
    platform.rasa_gate.clear()  # Rasa will not answer until released
    try:
        response = send(client, gateway, zalo_text_event("8402", "xin chào", "m-2"))
        assert response.status_code == 200
        wait_for(lambda: platform.calls("rasa"), what="turn started")
        assert platform.sent("zalo") == []  # acknowledged while the turn is still running
    finally:
        platform.rasa_gate.set()
    wait_for(lambda: platform.sent("zalo"), what="reply after release")


@pytest.mark.parametrize("case", ["missing", "wrong-mac", "wrong-secret", "tampered-body", "tampered-timestamp", "not-mac", "empty"])
def test_forged_or_unsigned_calls_are_rejected(platform, gateway, client, case):
    body = zalo_text_event("8403", "xin chào", f"m-forged-{case}")
    raw = json.dumps(body).encode()
    ts = body["timestamp"]
    if case == "missing":
        response = send(client, gateway, body, signature=None)
        assert response.status_code == 401
    else:
        signature = {
            "wrong-mac": "mac=" + "0" * 64,
            "wrong-secret": zalo_mac("app-1", raw, ts, "zalo-app-secret"),
            "tampered-body": zalo_mac("app-1", raw, ts, SECRET),
            "tampered-timestamp": zalo_mac("app-1", raw, str(int(ts) + 1), SECRET),
            "not-mac": zalo_mac("app-1", raw, ts, SECRET).replace("mac=", "sha256="),
            "empty": "",
        }[case]
        if case == "tampered-body":
            raw = raw.replace(b"xin ch", b"XIN CH")
        response = send(client, gateway, body, signature=signature, raw=raw)
        assert response.status_code == (401 if case == "empty" else 403)
    reply = sentinel(platform, gateway, client, "8403")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["tin cuối"]
    assert texts_sent(platform) == [reply] and len(platform.calls("zalo")) == 1


def test_rejection_is_logged_without_contents(platform, gateway, client, caplog):
    caplog.set_level("DEBUG")
    send(client, gateway, zalo_text_event("8404", "số căn cước 001203004567", "m-log"), signature="mac=00")
    lines = "\n".join(r.getMessage() for r in caplog.records)
    assert "zalo webhook rejected: invalid signature" in lines
    assert "001203004567" not in lines and "8404" not in lines


def test_duplicate_deliveries_get_one_reply(platform, gateway, client):
    body = zalo_text_event("8405", "xin chào", "m-dup")
    statuses = [send(client, gateway, body).json()["status"] for _ in range(4)]
    assert statuses == ["accepted", "duplicate", "duplicate", "duplicate"]
    sentinel(platform, gateway, client, "8405")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["xin chào", "tin cuối"]
    assert len(platform.sent("zalo")) == 2


@pytest.mark.parametrize("event_name,what", [
    ("user_send_sticker", "nhãn dán"), ("user_send_image", "hình ảnh"), ("user_send_file", "tệp"),
    ("user_send_location", "vị trí"), ("user_send_gif", "GIF"), ("user_send_audio", "thoại"),
])
def test_non_text_events_get_a_short_text(platform, gateway, client, event_name, what):
    body = zalo_text_event("8406", "", f"m-{event_name}", event_name=event_name)
    body["message"] = {"msg_id": f"m-{event_name}", "attachments": [{"type": event_name[10:], "payload": {"url": "https://zalo.example/x"}}]}
    assert send(client, gateway, body).json()["status"] == "accepted"
    [text] = wait_for(lambda: texts_sent(platform))
    assert what in text and "chỉ đọc được tin nhắn chữ" in text
    assert platform.calls("rasa") == []


def test_follow_gets_a_welcome_and_unfollow_nothing(platform, gateway, client):
    ts = str(int(time.time() * 1000))
    follow = {"app_id": "app-1", "oa_id": "oa-1", "user_id_by_app": "x", "event_name": "follow",
              "timestamp": ts, "source": "oa_profile", "follower": {"id": "8407"}}
    assert send(client, gateway, follow).json()["status"] == "accepted"
    [text] = wait_for(lambda: texts_sent(platform, "8407"))
    assert "Cảm ơn bạn đã quan tâm" in text
    unfollow = dict(follow, event_name="unfollow", timestamp=str(int(ts) + 1))
    assert send(client, gateway, unfollow).json()["status"] == "accepted"
    sentinel(platform, gateway, client, "8407")
    assert texts_sent(platform, "8407")[1:] == ["Trả lời: tin cuối" + CITATION]  # nothing for the unfollow
    assert len(platform.calls("zalo")) == 2


def test_own_echo_and_unknown_events_are_ignored(platform, gateway, client):
    echo = zalo_text_event("oa-1", "tin của OA", "m-echo", event_name="oa_send_text")
    assert send(client, gateway, echo).json()["status"] == "ignored"
    assert send(client, gateway, {"app_id": "app-1", "event_name": "user_seen_message", "timestamp": "1"}).json()["status"] == "ignored"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"1"', b"", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_cannot_be_verified(platform, gateway, client, raw):
    """Zalo signs app_id + body + the body's own `timestamp`: without a JSON object there is no
    timestamp, so even a correct MAC over the bytes (here with timestamp "1") is refused."""
    response = send(client, gateway, {}, signature=zalo_mac("app-1", raw, "1", SECRET), raw=raw)
    assert response.status_code == 403
    sentinel(platform, gateway, client, "8417")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["tin cuối"]


@pytest.mark.parametrize("malformed", [
    {"sender": "8418", "message": {"text": "x", "msg_id": "m-mal-1"}},  # sender not an object
    {"sender": {"id": "8418"}, "message": ["x"]},  # message not an object
    {"sender": {"id": "8418"}, "message": {"text": "x"}},  # no msg_id
    {"sender": {}, "message": {"text": "x", "msg_id": "m-mal-2"}},  # no user
    {"event_name": 42, "sender": {"id": "8418"}, "message": {"text": "x", "msg_id": "m-mal-3"}},
    {"sender": {"id": "8418"}, "message": {"text": {"nested": 1}, "msg_id": "m-mal-4"}, "timestamp": "không phải số"},
])
def test_signed_but_malformed_events_are_acknowledged_not_processed(platform, gateway, client, malformed):
    """Correctly signed, but not an event the bot can act on: 200 (Zalo would redeliver on an
    error) and no turn, never a 5xx."""
    body = {"app_id": "app-1", "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)), **malformed}
    response = send(client, gateway, body)  # signed as Zalo signs it (send's default)
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    sentinel(platform, gateway, client, "8418")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["tin cuối"]  # no turn for the malformed event


def test_buttons_become_numbers_and_a_number_picks_the_payload(platform, gateway, client):
    send(client, gateway, zalo_text_event("8408", "cho xem menu", "m-menu"))
    [menu] = wait_for(lambda: texts_sent(platform, "8408"))
    assert "1. Căn cước\n2. Khai sinh\n3. Hộ chiếu phổ thông cho người lớn" in menu
    send(client, gateway, zalo_text_event("8408", "3", "m-pick"))
    wait_for(lambda: len(texts_sent(platform, "8408")) == 2)
    assert platform.calls("rasa")[-1]["json"]["message"] == '/ask_processing_time{"procedure": "hộ chiếu"}'


def test_text_is_normalised_before_rasa(platform, gateway, client):
    decomposed_old_style = "Ho\u0300a Bi\u0300nh, thuy\u0309 lơ\u0323i   ?"  # NFD, old tone placement
    send(client, gateway, zalo_text_event("8409", decomposed_old_style, "m-norm"))
    wait_for(lambda: platform.calls("rasa"))
    assert platform.calls("rasa")[0]["json"]["message"] == "Hòa Bình, thủy lợi ?"


def test_5xx_and_timeouts_are_retried(platform, start_gateway, client):
    # the slow answer comes far past the timeout, a normal one far within it (a busy machine
    # must not turn a normal send into a timeout and change the count)
    gateway = start_gateway(outbound_timeout_s=2.0)
    platform.fail_next["zalo"] = ["503", "slow:6"]
    send(client, gateway, zalo_text_event("8410", "xin chào", "m-retry"))
    wait_for(lambda: platform.sent("zalo"))
    calls = platform.calls("zalo")
    assert platform.fail_next["zalo"] == []  # the 5xx and the timeout both happened, then a retry
    assert len(calls) == 3 and [c["accepted"] for c in calls] == [False, False, True]


def test_expired_token_is_refreshed_and_the_rotated_refresh_token_persisted(platform, start_gateway, client, tmp_path):
    platform.zalo_access = "zalo-access-already-rotated"  # the environment's access token is stale
    gateway = start_gateway()
    send(client, gateway, zalo_text_event("8411", "xin chào", "m-tok-1"))
    wait_for(lambda: platform.sent("zalo"))
    [refresh] = platform.calls("zalo_oauth")
    assert refresh["headers"]["secret_key"] == "zalo-app-secret"
    assert refresh["form"] == {"refresh_token": "zalo-refresh-1", "app_id": "app-1", "grant_type": "refresh_token"}
    assert platform.sent("zalo")[0]["headers"]["access_token"] == "zalo-access-r2"
    row = sqlite3.connect(tmp_path / "var" / "gateway.db").execute(
        "SELECT access_token, refresh_token, expires_at FROM zalo_tokens").fetchone()
    assert row[:2] == ("zalo-access-r2", "zalo-refresh-r2") and row[2] > time.time() + 80000


def test_a_restart_uses_the_stored_refresh_token_not_the_spent_one(platform, start_gateway, client, tmp_path):
    platform.zalo_access = "stale"
    first = start_gateway()
    send(client, first, zalo_text_event("8412", "xin chào", "m-tok-2"))
    wait_for(lambda: platform.sent("zalo"))
    first.__exit__(None, None, None)
    platform.zalo_access = "stale-again"  # forces a second refresh after the restart
    second = start_gateway()
    send(client, second, zalo_text_event("8412", "chào lần nữa", "m-tok-3"))
    wait_for(lambda: len(platform.sent("zalo")) == 2)
    forms = [c["form"]["refresh_token"] for c in platform.calls("zalo_oauth")]
    assert forms == ["zalo-refresh-1", "zalo-refresh-r2"]  # the single-use token was never reused


def test_a_failed_token_refresh_keeps_the_reply_in_the_outbox(platform, start_gateway, client, caplog):
    caplog.set_level("WARNING")
    platform.zalo_access = "stale"  # the access token is rejected ...
    platform.zalo_refresh = "zalo-refresh-revoked"  # ... and Zalo refuses the refresh token too
    gateway = start_gateway(outbox_retry_base_s=60)  # no outbox retry until the test says so
    db = sqlite3.connect(gateway.settings.data_dir / "gateway.db", isolation_level=None)
    send(client, gateway, zalo_text_event("8419", "xin chào", "m-refresh-fail"))
    rows = wait_for(lambda: db.execute("SELECT status, attempts, last_error FROM outbox WHERE attempts > 0").fetchall(),
                    what="the failed round recorded in the outbox")
    assert rows == [("pending", 1, "token refresh failed (error -14014)")]
    assert platform.sent("zalo") == [] and len(platform.calls("zalo_oauth")) >= 1
    assert db.execute("SELECT refresh_token FROM zalo_tokens").fetchone() == ("zalo-refresh-1",)  # not overwritten
    assert any("zalo token refresh failed (error -14014)" in r.getMessage() and "ZALO_REFRESH_TOKEN" in r.getMessage()
               for r in caplog.records)
    # the token is valid again (e.g. Zalo's side fixed): the kept reply goes out on the next retry
    platform.zalo_refresh = "zalo-refresh-1"
    db.execute("UPDATE outbox SET next_at = 0")
    wait_for(lambda: platform.sent("zalo"), 90, what="delivery after the refresh works")
    assert texts_sent(platform, "8419") == ["Trả lời: xin chào" + CITATION]


def test_reply_window_eight_replies_then_nothing(platform, gateway, client):
    db = sqlite3.connect(gateway.settings.data_dir / "gateway.db", isolation_level=None)
    send(client, gateway, zalo_text_event("8413", "xin chào", "m-win-1"))
    wait_for(lambda: texts_sent(platform, "8413"))
    from_db = lambda: db.execute("SELECT status, last_error FROM outbox").fetchall()  # noqa: E731
    # the reply reached Zalo before the gateway deleted its outbox row (and counted it in the
    # window): wait until that delivery is settled, not only seen by Zalo
    wait_for(lambda: from_db() == [] and db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0,
             what="the first reply's delivery settled")
    assert db.execute("SELECT replies FROM zalo_window WHERE user_id = '8413'").fetchone() == (1,)
    db.execute("UPDATE zalo_window SET replies = 8 WHERE user_id = '8413'")
    # a late retry or a second message from the bot in the same window would be the 9th reply
    sqlite_outbox = db.execute(
        "INSERT INTO outbox (channel, recipient, message, next_at, created_at) VALUES ('zalo', '8413', ?, 0, 0)",
        (json.dumps({"text": "thêm một tin"}),))
    assert sqlite_outbox.rowcount == 1
    wait_for(lambda: from_db() and from_db()[0][0] == "dead", what="outbox gives up")
    assert "8 replies already sent" in from_db()[0][1]
    assert len(texts_sent(platform, "8413")) == 1
    # the citizen writes again: a new window opens
    send(client, gateway, zalo_text_event("8413", "hỏi tiếp", "m-win-2"))
    wait_for(lambda: len(texts_sent(platform, "8413")) == 2)


def test_reply_window_closes_48_hours_after_the_last_message(platform, start_gateway, client):
    gateway = start_gateway(dedup_ttl_s=72 * 3600)
    db = sqlite3.connect(gateway.settings.data_dir / "gateway.db", isolation_level=None)
    old = str(int((time.time() - 49 * 3600) * 1000))
    # a redelivered event's own timestamp counts: 49 h ago is outside the window
    send(client, gateway, zalo_text_event("8414", "xin chào", "m-old", timestamp=old))
    wait_for(lambda: db.execute("SELECT status FROM outbox").fetchall() == [("dead",)], what="dropped reply")
    assert platform.calls("zalo") == [] and len(platform.calls("rasa")) == 1
    assert "48 h" in db.execute("SELECT last_error FROM outbox").fetchone()[0]


def test_events_older_than_the_dedup_window_are_acknowledged_and_dropped(platform, gateway, client):
    old = str(int((time.time() - 25 * 3600) * 1000))  # DEDUP_TTL_S is 24 h
    assert send(client, gateway, zalo_text_event("8414", "xin chào", "m-stale", timestamp=old)).json() == {"status": "stale"}
    reply = sentinel(platform, gateway, client, "8414")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["tin cuối"] and texts_sent(platform) == [reply]


def test_failed_sends_wait_in_the_outbox_and_survive_a_restart(platform, start_gateway, client, tmp_path):
    first = start_gateway(outbox_retry_base_s=60)  # no outbox retry during this gateway's life
    platform.fail_next["zalo"] = ["500"] * 3
    send(client, first, zalo_text_event("8415", "xin chào", "m-durable"))
    db = sqlite3.connect(tmp_path / "var" / "gateway.db", isolation_level=None)
    wait_for(lambda: db.execute("SELECT attempts FROM outbox WHERE status = 'pending'").fetchall() == [(1,)])
    first.__exit__(None, None, None)
    assert platform.sent("zalo") == []
    second = start_gateway(outbox_retry_base_s=0.2)
    db.execute("UPDATE outbox SET next_at = 0")  # due now, as it will be after the backoff
    wait_for(lambda: platform.sent("zalo"), what="delivery after restart")
    assert texts_sent(platform) == ["Trả lời: xin chào" + CITATION]
    # Zalo sees the reply before the gateway deletes its outbox row: wait for that settlement
    wait_for(lambda: db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0, what="the delivered row removed")
    assert second.port


def test_disabled_channel_answers_503(start_gateway, client, caplog):
    caplog.set_level("WARNING")
    gateway = start_gateway(zalo_oa_secret_key="", zalo_access_token="", zalo_refresh_token="")
    response = send(client, gateway, zalo_text_event("8416", "xin chào", "m-off"))
    assert response.status_code == 503 and "not configured" in response.json()["detail"]
    assert any("zalo channel disabled: set ZALO_OA_SECRET_KEY, ZALO_ACCESS_TOKEN or ZALO_REFRESH_TOKEN+ZALO_APP_SECRET"
               in r.getMessage() for r in caplog.records)
    assert client.get(f"{gateway.base}/health").json()["channels"]["zalo"] == "off"
