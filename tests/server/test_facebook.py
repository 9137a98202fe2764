"""Messenger webhook through real HTTP: Meta's payload shapes and X-Hub-Signature-256, a fake
Graph API and a Rasa stand-in that record what they receive."""
import json
import time

import pytest

from tests.fakes import CITATION, facebook_sig, messenger_body, messenger_text, wait_for

SECRET = "fb-app-secret"


def send(client, gateway, body, signature="good", raw=None):
    raw = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if signature == "good":
        headers["X-Hub-Signature-256"] = facebook_sig(SECRET, raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post(f"{gateway.base}/webhooks/facebook", content=raw, headers=headers)


def graph_texts(platform, psid=None):
    return [r["json"]["message"].get("text") for r in platform.sent("graph")
            if psid is None or r["json"]["recipient"]["id"] == psid]


def sentinel(platform, gateway, client, psid):
    """A later, valid message of the same person, and its reply: the gateway runs one person's
    events in arrival order, so once this is answered anything sent before has been processed
    (a positive signal instead of "wait a little and see that nothing came")."""
    reply = "Trả lời: tin cuối" + CITATION
    before = graph_texts(platform, psid).count(reply)
    send(client, gateway, messenger_body(messenger_text(psid, "tin cuối", f"mid.sentinel.{psid}.{time.monotonic_ns()}")))
    wait_for(lambda: graph_texts(platform, psid).count(reply) > before, what="the sentinel's reply")
    return reply


def verify(client, gateway, **params):
    return client.get(f"{gateway.base}/webhooks/facebook", params=params)


def test_verify_handshake(gateway, client):
    ok = verify(client, gateway, **{"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.verify_token": "verify-me", "hub.challenge": "1"},
        {},
    ):
        assert verify(client, gateway, **params).status_code == 403


def test_text_round_trip_with_the_send_api_shape(platform, gateway, client):
    response = send(client, gateway, messenger_body(messenger_text("2401", "Làm hộ chiếu mất bao lâu?", "mid.1")))
    assert response.status_code == 200 and response.json() == {"status": "ok", "accepted": 1}
    [request] = wait_for(lambda: platform.sent("graph"))
    assert request["query"] == {"access_token": "page-token"}
    assert request["json"] == {"recipient": {"id": "2401"}, "messaging_type": "RESPONSE",
                               "message": {"text": "Trả lời: Làm hộ chiếu mất bao lâu?" + CITATION}}
    assert platform.calls("rasa")[0]["json"]["sender"] == "fb:2401"


@pytest.mark.parametrize("signature", [None, "", "sha256=" + "0" * 64, "sha1=abc", "wrong-secret", "tampered"])
def test_forged_or_unsigned_calls_are_rejected(platform, gateway, client, signature):
    body = messenger_body(messenger_text("2402", "xin chào", f"mid.forged.{signature}"))
    raw = json.dumps(body).encode()
    if signature == "wrong-secret":
        signature = facebook_sig("another-secret", raw)
    elif signature == "tampered":
        signature = facebook_sig(SECRET, raw)
        raw = raw.replace(b"xin ch", b"XIN CH")
    response = send(client, gateway, body, signature=signature, raw=raw)
    assert response.status_code == 403
    reply = sentinel(platform, gateway, client, "2402")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["tin cuối"]
    assert graph_texts(platform) == [reply] and len(platform.calls("graph")) == 1


def test_duplicate_mids_get_one_reply(platform, gateway, client):
    body = messenger_body(messenger_text("2403", "xin chào", "mid.dup"))
    results = [send(client, gateway, body).json() for _ in range(3)]
    assert results[0] == {"status": "ok", "accepted": 1}
    assert results[1] == results[2] == {"status": "ok", "duplicate": 1}
    sentinel(platform, gateway, client, "2403")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["xin chào", "tin cuối"]
    assert len(platform.sent("graph")) == 2


def test_echoes_and_delivery_events_are_skipped(platform, gateway, client):
    echo = messenger_text("page-1", "tin của trang", "mid.echo", is_echo=True, app_id=1)
    delivery = {"sender": {"id": "2404"}, "recipient": {"id": "page-1"}, "timestamp": 1, "delivery": {"mids": ["mid.x"], "watermark": 1}}
    read = {"sender": {"id": "2404"}, "recipient": {"id": "page-1"}, "timestamp": 1, "read": {"watermark": 1}}
    assert send(client, gateway, messenger_body(echo, delivery, read)).json() == {"status": "ok", "ignored": 3}
    reply = sentinel(platform, gateway, client, "2404")
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["tin cuối"] and graph_texts(platform) == [reply]


def test_quick_reply_payloads_and_postbacks_are_routed_like_text(platform, gateway, client):
    send(client, gateway, messenger_body(messenger_text("2405", "menu", "mid.menu")))
    [menu] = wait_for(lambda: platform.sent("graph"))
    payload = menu["json"]["message"]["quick_replies"][2]["payload"]
    assert menu["json"]["message"]["quick_replies"][2]["title"] == "Hộ chiếu phổ thông…"
    send(client, gateway, messenger_body(messenger_text("2405", "Hộ chiếu phổ thông…", "mid.qr", quick_reply={"payload": payload})))
    postback = {"sender": {"id": "2405"}, "recipient": {"id": "page-1"}, "timestamp": int(time.time() * 1000),
                "postback": {"mid": "mid.pb", "title": "Bắt đầu", "payload": "/greet"}}
    send(client, gateway, messenger_body(postback))
    wait_for(lambda: len(platform.calls("rasa")) == 3)
    assert [c["json"]["message"] for c in platform.calls("rasa")] == ["menu", payload, "/greet"]


@pytest.mark.parametrize("attachment,what", [
    ({"type": "image", "payload": {"url": "https://x/y.png"}}, "hình ảnh"),
    ({"type": "image", "payload": {"url": "https://x/s.png", "sticker_id": 369239263222822}}, "nhãn dán"),
    ({"type": "audio", "payload": {"url": "https://x/a.mp4"}}, "thoại"),
    ({"type": "file", "payload": {"url": "https://x/f.pdf"}}, "tệp"),
    ({"type": "location", "payload": {"coordinates": {"lat": 21.0, "long": 105.8}}}, "vị trí"),
])
def test_attachments_get_a_short_text(platform, gateway, client, attachment, what):
    item = {"sender": {"id": "2406"}, "recipient": {"id": "page-1"}, "timestamp": int(time.time() * 1000),
            "message": {"mid": f"mid.att.{what}", "attachments": [attachment]}}
    send(client, gateway, messenger_body(item))
    [request] = wait_for(lambda: platform.sent("graph"))
    assert what in request["json"]["message"]["text"]
    assert platform.calls("rasa") == []


def test_long_answers_are_split_and_sent_in_order(platform, gateway, client):
    send(client, gateway, messenger_body(messenger_text("2407", "câu trả lời dài", "mid.long")))
    sentinel(platform, gateway, client, "2407")
    texts = graph_texts(platform, "2407")[:-1]  # before the sentinel's reply
    assert len(texts) == 2 and all(len(t) <= 2000 for t in texts)  # ~3900 characters in 6 paragraphs
    assert "\n\n".join(texts).split() == platform_answer_words()


def platform_answer_words():
    from tests.fakes import rasa_answer
    return rasa_answer("x", "dài")[0]["text"].split()


def test_graph_5xx_is_retried(platform, gateway, client):
    platform.fail_next["graph"] = ["500", "502"]
    send(client, gateway, messenger_body(messenger_text("2408", "xin chào", "mid.retry")))
    wait_for(lambda: platform.sent("graph"))
    assert len(platform.calls("graph")) == 3 and len(platform.sent("graph")) == 1


def test_malformed_signed_body_is_400(gateway, client):
    assert send(client, gateway, {}, raw=b"{not json").status_code == 400
    assert send(client, gateway, {}, raw=b"[]").status_code == 400
    assert send(client, gateway, {"object": "instagram", "entry": []}).json() == {"status": "ok"}


def test_disabled_channel_answers_503(start_gateway, client):
    gateway = start_gateway(fb_app_secret="")
    assert send(client, gateway, messenger_body(messenger_text("2409", "xin chào", "mid.off"))).status_code == 503
    assert verify(client, gateway, **{"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"}).status_code == 503
