"""Staff replies under each channel's rules, through the real gateway: Messenger's 24 h window and
the HUMAN_AGENT tag (fake Graph API, signed webhooks), the website over a real socket.io
connection (live, and kept for a widget that reconnects), and two gateway workers sharing the
database (a reply written on one reaches a citizen connected to the other)."""
import asyncio

import pytest

from tests.fakes import wait_for
from tests.server.desk_helpers import (TOKEN, graph_sent, hands_over, messenger_says, request_for, request_of, settled,
                                       shared_db, staff, zalo_says, zalo_texts)
from tests.server.test_socketio import RawSocket


def test_messenger_replies_within_24_hours_and_with_human_agent_only_when_enabled(platform, start_gateway, client, tmp_path):
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    off = start_gateway(staff_token=TOKEN, office_hours="always", database_url=shared)
    platform.store_url = shared
    request = hands_over(client, off, "2601", says=messenger_says, prefix="fb")
    assert request["channel"] == "facebook"
    assert staff(client, off, request["id"], "reply", "Chào bạn, mình là cán bộ.").status_code == 200
    [within] = wait_for(lambda: [m for m in graph_sent(platform, "2601") if m["message"].get("text") == "Chào bạn, mình là cán bộ."])
    assert within["messaging_type"] == "RESPONSE" and "tag" not in within

    db = shared_db(off)
    db.execute("UPDATE conversation_owner SET last_citizen_at = last_citizen_at - 30 * 3600")
    refused = staff(client, off, request["id"], "reply", "Trả lời sau 30 giờ")
    assert refused.status_code == 409 and "HUMAN_AGENT" in refused.json()["reason"] and "24 giờ" in refused.json()["reason"]

    on = start_gateway(staff_token=TOKEN, office_hours="always", database_url=shared, messenger_human_agent=True,
                       data_dir=tmp_path / "worker-2")
    assert staff(client, on, request["id"], "reply", "Trả lời sau 30 giờ").status_code == 200
    [tagged] = wait_for(lambda: [m for m in graph_sent(platform, "2601") if m["message"].get("text") == "Trả lời sau 30 giờ"])
    assert tagged["messaging_type"] == "MESSAGE_TAG" and tagged["tag"] == "HUMAN_AGENT" and "_tag" not in tagged["message"]

    # the bot's hand-back notice is automation: never tagged, so not sent after 24 h
    released = staff(client, on, request["id"], "release").json()
    assert released["status"] == "released" and released["citizen_told"] is False and "24 giờ" in released["reason"]
    assert all(m.get("tag") is None for m in graph_sent(platform, "2601") if m["message"].get("text") != "Trả lời sau 30 giờ")

    db.execute("UPDATE conversation_owner SET last_citizen_at = last_citizen_at - 7 * 86400")
    late = staff(client, on, request["id"], "reply", "Sau 8 ngày")
    assert late.status_code == 409 and "7 ngày" in late.json()["reason"]
    assert not [m for m in graph_sent(platform, "2601") if m["message"].get("text") == "Sau 8 ngày"]


async def _confirm(base, session_id):
    sock = await RawSocket.open(base)
    await sock.emit("session_request", {"session_id": session_id})
    assert await sock.event() == ["session_confirm", session_id]
    return sock


def test_a_web_citizen_gets_staff_replies_live_and_after_reconnecting(platform, start_gateway, client):
    gateway = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = gateway.settings.db_url

    async def run():
        sock = await _confirm(gateway.base, "phien-web-1")
        await sock.emit("user_uttered", {"message": "gặp cán bộ", "session_id": "phien-web-1"})
        handoff = [await sock.event(), await sock.event()]
        request = await asyncio.to_thread(request_for, client, gateway, "web:phien-web-1")
        reply = await asyncio.to_thread(staff, client, gateway, request["id"], "reply", "Chào bạn, mình là cán bộ.")
        live = await sock.event()
        await sock.close()  # the citizen closes the page
        away = await asyncio.to_thread(staff, client, gateway, request["id"], "reply", "Bạn còn cần hỏi gì không?")
        later = await _confirm(gateway.base, "phien-web-1")  # the widget comes back with its session id
        shown = await later.event()
        await later.close()
        return handoff, request, reply.json(), live, away.json(), shown

    handoff, request, reply, live, away, shown = asyncio.run(run())
    assert "YC-" in handoff[0][1]["text"] and "Cán bộ sẽ trả lời bạn ngay tại đây" in handoff[1][1]["text"]
    assert reply["delivery"] == "waiting" and live == ["bot_uttered", {"text": "Chào bạn, mình là cán bộ."}]
    assert away["delivery"] == "waiting" and shown == ["bot_uttered", {"text": "Bạn còn cần hỏi gì không?"}]
    thread = request_of(client, gateway, request["id"])["messages"]
    assert [m["delivery"] for m in thread if m["from"] == "staff"] == ["delivered", "delivered"]


def test_two_workers_share_the_desk(platform, start_gateway, client, tmp_path):
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    one = start_gateway(staff_token=TOKEN, office_hours="always", database_url=shared, data_dir=tmp_path / "w1")
    two = start_gateway(staff_token=TOKEN, office_hours="always", database_url=shared, data_dir=tmp_path / "w2", worker_id=1)
    platform.store_url = shared

    # Zalo: the citizen's messages reach worker one, staff answer on worker two
    request = hands_over(client, one, "8701")
    settled(one)
    assert staff(client, two, request["id"], "reply", "Trả lời từ máy hai").status_code == 200
    wait_for(lambda: "Trả lời từ máy hai" in zalo_texts(platform, "8701"), what="the reply sent by worker two")
    zalo_says(client, one, "8701", "cảm ơn")
    wait_for(lambda: request_of(client, two, request["id"])["messages"][-1]["text"] == "cảm ơn")

    # the website: the widget is connected to worker one, staff answer on worker two
    async def run():
        sock = await _confirm(one.base, "phien-2-may")
        await sock.emit("user_uttered", {"message": "gặp cán bộ", "session_id": "phien-2-may"})
        await sock.event(), await sock.event()
        web = await asyncio.to_thread(request_for, client, two, "web:phien-2-may")
        await asyncio.to_thread(staff, client, two, web["id"], "reply", "Chào bạn từ máy hai")
        shown = await sock.event()  # worker one finds it in the shared database within STAFF_POLL_S
        await sock.close()
        return shown

    assert asyncio.run(run()) == ["bot_uttered", {"text": "Chào bạn từ máy hai"}]


@pytest.mark.parametrize("outcome", ["closed", "released"])
def test_a_web_citizen_is_told_when_the_bot_answers_again(platform, start_gateway, client, outcome):
    gateway = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = gateway.settings.db_url

    async def run():
        sock = await _confirm(gateway.base, f"phien-{outcome}")
        await sock.emit("user_uttered", {"message": "gặp cán bộ", "session_id": f"phien-{outcome}"})
        await sock.event(), await sock.event()
        request = await asyncio.to_thread(request_for, client, gateway, f"web:phien-{outcome}")
        done = await asyncio.to_thread(staff, client, gateway, request["id"], "close" if outcome == "closed" else "release")
        told = await sock.event()
        await sock.emit("user_uttered", {"message": "xin chào", "session_id": f"phien-{outcome}"})
        bot = await sock.event()
        await sock.close()
        return done.json(), told, bot

    done, told, bot = asyncio.run(run())
    assert done == {"status": outcome, "citizen_told": True, "reason": None}
    assert "Bạn đang trò chuyện lại với trợ lý ảo (trả lời tự động)" in told[1]["text"]
    assert bot[1]["text"].startswith("Trả lời: xin chào")
