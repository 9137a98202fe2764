"""Personal numbers are masked at the edge, before Rasa (and its tracker store) or the inbox see
them, on every channel; the citizen is told once per conversation (real HTTP, fake Rasa)."""
import asyncio
import sqlite3

from server import texts
from tests.fakes import wait_for
from tests.server.test_socketio import converse
from tests.server.test_zalo import send, sentinel, texts_sent
from tests.fakes import messenger_body, messenger_text, zalo_text_event
from tests.server import test_facebook as fb

CCCD, PHONE, EMAIL, ACCOUNT = "001099012345", "0912345678", "nguyen.van.a@gmail.com", "19036512345017"
PERSONAL = f"CCCD của tôi {CCCD}, sđt {PHONE}, email {EMAIL}, stk {ACCOUNT}"
SECRETS = (CCCD, PHONE, EMAIL, ACCOUNT)


def rasa_messages(platform):
    return [c["json"]["message"] for c in platform.calls("rasa")]


def no_secret_in(text):
    return not any(secret in text for secret in SECRETS)


def test_web_text_is_masked_before_rasa_and_the_notice_comes_once(platform, gateway, client):
    url = f"{gateway.base}/webhooks/web"
    first = client.post(url, json={"sender": "priv-1", "message": PERSONAL}).json()["messages"]
    assert rasa_messages(platform) == ["CCCD của tôi [số giấy tờ], sđt [số điện thoại], email [email], stk [số tài khoản]"]
    assert [m["text"] for m in first][-1] == texts.PRIVACY_NOTICE
    assert all(no_secret_in(m["text"]) for m in first)
    second = client.post(url, json={"sender": "priv-1", "message": f"số khác 0987654321"}).json()["messages"]
    assert texts.PRIVACY_NOTICE not in [m["text"] for m in second]  # once per conversation
    assert rasa_messages(platform)[-1] == "số khác [số điện thoại]"
    other = client.post(url, json={"sender": "priv-2", "message": "Thủ tục 1.004873 lệ phí 200.000đ mất 7 ngày?"}).json()["messages"]
    assert texts.PRIVACY_NOTICE not in [m["text"] for m in other]  # nothing masked, no notice
    assert rasa_messages(platform)[-1] == "Thủ tục 1.004873 lệ phí 200.000đ mất 7 ngày?"


def test_notice_stays_before_buttons(platform, gateway, client):
    replies = client.post(f"{gateway.base}/webhooks/web", json={"sender": "priv-3", "message": f"menu {PHONE}"}).json()["messages"]
    assert [m["text"] for m in replies][0] == texts.PRIVACY_NOTICE
    assert replies[-1]["buttons"]


def test_socketio_text_is_masked(platform, gateway):
    session, answers = asyncio.run(converse(gateway.base, [(PERSONAL, 2)], session_id="priv-sio"))
    assert rasa_messages(platform) == ["CCCD của tôi [số giấy tờ], sđt [số điện thoại], email [email], stk [số tài khoản]"]
    assert platform.calls("rasa")[0]["json"]["sender"] == "web:priv-sio"
    assert any(texts.PRIVACY_NOTICE in str(a) for a in answers)


def test_zalo_text_is_masked_before_the_inbox_and_rasa(platform, gateway, client):
    assert send(client, gateway, zalo_text_event("priv-z", PERSONAL, "m-priv-1")).json() == {"status": "accepted"}
    wait_for(lambda: texts_sent(platform, "priv-z"), what="zalo reply")
    sentinel(platform, gateway, client, "priv-z")
    assert no_secret_in(" ".join(rasa_messages(platform)))
    sent = texts_sent(platform, "priv-z")
    assert sum(texts.PRIVACY_NOTICE in t for t in sent) == 1 and all(no_secret_in(t) for t in sent)
    db = sqlite3.connect(gateway.settings.data_dir / "gateway.db")
    dump = "\n".join(db.iterdump())
    assert no_secret_in(dump)


def test_messenger_text_is_masked(platform, gateway, client):
    assert fb.send(client, gateway, messenger_body(messenger_text("priv-fb", PERSONAL, "mid.priv-1"))).status_code == 200
    wait_for(lambda: fb.graph_texts(platform, "priv-fb"), what="messenger reply")
    fb.sentinel(platform, gateway, client, "priv-fb")
    assert no_secret_in(" ".join(rasa_messages(platform)))
    assert [c["json"]["sender"] for c in platform.calls("rasa")][0] == "fb:priv-fb"
    assert sum(texts.PRIVACY_NOTICE in t for t in fb.graph_texts(platform, "priv-fb")) == 1


def test_gateway_files_export_erase_and_purge(tmp_path):
    import json as _json
    import time

    from server import privacy
    from server.storage import Database

    now = time.time()
    for name in ("gateway.db", "gateway-1.db"):
        db = Database(tmp_path / name)
        db.execute("INSERT INTO outbox (channel, recipient, message, next_at, created_at, status) VALUES (?, ?, ?, ?, ?, ?)",
                   ("zalo", "z1", _json.dumps({"text": "hi"}), now, now - 100 * 86400, "dead"))
        db.execute("INSERT INTO outbox (channel, recipient, message, next_at, created_at) VALUES (?, ?, ?, ?, ?)",
                   ("zalo", "z2", _json.dumps({"text": "hi"}), now, now))
        db.execute("INSERT INTO inbox (channel, event, created_at) VALUES (?, ?, ?)",
                   ("zalo", _json.dumps({"channel": "zalo", "user": "z1", "kind": "text", "text": "x"}), now))
        db.execute("INSERT INTO zalo_window (user_id, last_inbound) VALUES (?, ?)", ("z1", now))
        db.close()
    found = privacy.export(tmp_path, "zalo", "z1")
    assert (len(found["pending_outbox"]), len(found["inbox"]), len(found["zalo_window"])) == (2, 2, 2)
    assert privacy.export(tmp_path, "facebook", "z1") == {"pending_outbox": [], "inbox": [], "zalo_window": []}
    assert privacy.purge(tmp_path, 90, now=now) == {"outbox_deleted": 2, "zalo_windows_deleted": 0}
    assert privacy.erase(tmp_path, "zalo", "z1") == {"outbox": 0, "inbox": 2, "zalo_window": 2}
    for name in ("gateway.db", "gateway-1.db"):
        dump = "\n".join(sqlite3.connect(tmp_path / name).iterdump())
        assert "z1" not in dump and "z2" in dump
