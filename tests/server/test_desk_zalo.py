"""The staff desk with a Zalo citizen, through the real gateway: signed webhooks, a fake Zalo API
and a Rasa stand-in that records a real handoff request, the staff API with the Bearer token."""
import json
import sqlite3

import pytest

from tests.fakes import CITATION, wait_for
from tests.server.desk_helpers import (TOKEN, hands_over, open_requests, request_of, settled, shared_db, staff,
                                       zalo_says, zalo_texts)


@pytest.fixture
def desk_gateway(start_gateway, platform):
    gateway = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = gateway.settings.db_url
    return gateway


def test_a_zalo_citizen_is_answered_by_staff_then_by_the_bot_again(platform, desk_gateway, client):
    gateway, user = desk_gateway, "8501"
    zalo_says(client, gateway, user, "Làm căn cước mất bao lâu?")
    wait_for(lambda: zalo_texts(platform, user), what="the bot's answer")

    request = hands_over(client, gateway, user)  # listed by the API
    assert request["channel"] == "zalo" and request["status"] == "open" and request["owner"] == "waiting"
    assert request["ref"] == f"YC-{request['id']}" and request["waiting_s"] >= 0
    assert [m["from"] for m in request["messages"]][:2] == ["citizen", "bot"]
    assert request["messages"][0]["text"] == "Làm căn cước mất bao lâu?" and request["messages"][0]["at"]
    assert user not in json.dumps(request)  # a pseudonym, never the Zalo user id
    told = wait_for(lambda: [t for t in zalo_texts(platform, user) if f"YC-{request['id']}" in t], what="the handoff reply")
    assert "Cán bộ sẽ trả lời bạn ngay tại đây" in told[0]

    # a staff reply reaches Zalo's send API with that text
    answer = "Chào bạn, mình là cán bộ một cửa. Bạn mang căn cước cũ đến UBND phường nhé."
    response = staff(client, gateway, request["id"], "reply", answer)
    assert response.status_code == 200 and response.json()["delivery"] == "outbox"
    wait_for(lambda: answer in zalo_texts(platform, user), what="the staff reply at Zalo")
    assert request_of(client, gateway, request["id"])["owner"] == "staff"

    # the citizen's next message: no bot reply, in the staff thread
    rasa_turns, sent = len(platform.calls("rasa")), len(zalo_texts(platform, user))
    zalo_says(client, gateway, user, "Cảm ơn, tôi cần mang thêm ảnh không?")
    wait_for(lambda: request_of(client, gateway, request["id"])["messages"][-1]["text"] == "Cảm ơn, tôi cần mang thêm ảnh không?",
             what="the message in the staff thread")
    settled(gateway)
    assert len(platform.calls("rasa")) == rasa_turns and len(zalo_texts(platform, user)) == sent
    thread = request_of(client, gateway, request["id"])["messages"]
    assert [(m["from"], m["delivery"]) for m in thread[-2:]] == [("staff", "outbox"), ("citizen", None)]

    # after release, the bot answers again (and the citizen is told it is the bot)
    response = staff(client, gateway, request["id"], "release")
    assert response.status_code == 200 and response.json() == {"status": "released", "citizen_told": True, "reason": None}
    wait_for(lambda: any("Bạn đang trò chuyện lại với trợ lý ảo" in t for t in zalo_texts(platform, user)), what="the hand-back notice")
    zalo_says(client, gateway, user, "Làm hộ chiếu mất bao lâu?")
    wait_for(lambda: "Trả lời: Làm hộ chiếu mất bao lâu?" + CITATION in zalo_texts(platform, user), what="the bot again")
    assert open_requests(client, gateway) == []
    assert [r["id"] for r in open_requests(client, gateway, "released")] == [request["id"]]


def test_every_staff_action_is_audited(platform, desk_gateway, client):
    request = hands_over(client, desk_gateway, "8502")
    assert staff(client, desk_gateway, request["id"], "reply", "Chào bạn").status_code == 200
    assert staff(client, desk_gateway, request["id"], "close").json()["status"] == "closed"
    assert staff(client, desk_gateway, request["id"], "reply", "Còn gì nữa không?").status_code == 409
    rows = shared_db(desk_gateway).execute("SELECT actor, action, target, detail FROM staff_audit ORDER BY id").fetchall()
    target = f"handoff:{request['id']}"
    assert [(a, b, c) for a, b, c, _ in rows] == [("api", "reply", target), ("api", "close", target)]
    assert "Chào bạn" not in json.dumps(rows)  # who, when, what; the text stays in the thread


def test_the_ownership_survives_a_restart(platform, start_gateway, client, tmp_path):
    first = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = first.settings.db_url
    request = hands_over(client, first, "8503")
    assert staff(client, first, request["id"], "reply", "Chào bạn").status_code == 200
    wait_for(lambda: "Chào bạn" in zalo_texts(platform, "8503"))
    first.__exit__(None, None, None)

    second = start_gateway(staff_token=TOKEN, office_hours="always")
    rasa_turns = len(platform.calls("rasa"))
    zalo_says(client, second, "8503", "Tôi vẫn đang chờ")
    wait_for(lambda: request_of(client, second, request["id"])["messages"][-1]["text"] == "Tôi vẫn đang chờ")
    settled(second)
    assert len(platform.calls("rasa")) == rasa_turns
    assert request_of(client, second, request["id"])["owner"] == "staff"


def test_when_the_office_opens_a_waiting_citizen_is_told_once_that_a_person_will_answer(platform, start_gateway, client):
    import datetime as dt

    from common.office_hours import TZ

    closed_today = dt.datetime.now(TZ).date().isoformat()
    night = start_gateway(staff_token=TOKEN, office_hours="always", office_closed_days=closed_today)
    platform.store_url = night.settings.db_url
    request = hands_over(client, night, "8504")
    wait_for(lambda: any("ngoài giờ làm việc" in t for t in zalo_texts(platform, "8504")), what="the out-of-hours notice")
    settled(night)
    night.__exit__(None, None, None)

    day = start_gateway(staff_token=TOKEN, office_hours="always")  # the office is open now
    before, rasa_turns = len(zalo_texts(platform, "8504")), len(platform.calls("rasa"))
    for text in ("alo", "có ai không"):
        zalo_says(client, day, "8504", text)
    wait_for(lambda: [m["text"] for m in request_of(client, day, request["id"])["messages"][-2:]] == ["alo", "có ai không"])
    settled(day)
    assert zalo_texts(platform, "8504")[before:] == [
        "Tin nhắn của bạn đã được chuyển tới cán bộ. Một cán bộ sẽ trả lời bạn tại đây sớm nhất có thể."]
    assert len(platform.calls("rasa")) == rasa_turns


def test_a_reply_outside_zalos_window_is_refused_with_the_reason(platform, desk_gateway, client):
    request = hands_over(client, desk_gateway, "8505")
    settled(desk_gateway)
    db, local = shared_db(desk_gateway), desk_gateway.settings.data_dir / "gateway.db"
    db.execute("UPDATE conversation_owner SET last_citizen_at = last_citizen_at - 49 * 3600")
    sqlite3.connect(local, isolation_level=None).execute("UPDATE zalo_window SET last_inbound = last_inbound - 49 * 3600")
    sent = len(platform.calls("zalo"))
    response = staff(client, desk_gateway, request["id"], "reply", "Xin lỗi vì trả lời muộn")
    assert response.status_code == 409 and "48 giờ" in response.json()["reason"]
    last = request_of(client, desk_gateway, request["id"])["messages"][-1]
    assert (last["from"], last["text"], last["delivery"]) == ("staff", "Xin lỗi vì trả lời muộn", "refused")
    assert "48 giờ" in last["reason"]  # shown to staff with the message
    assert len(platform.calls("zalo")) == sent

    zalo_says(client, desk_gateway, "8505", "tôi đây")  # the citizen writes again: a new window
    wait_for(lambda: request_of(client, desk_gateway, request["id"])["messages"][-1]["text"] == "tôi đây")
    assert staff(client, desk_gateway, request["id"], "reply", "Chào bạn").status_code == 200
    wait_for(lambda: "Chào bạn" in zalo_texts(platform, "8505"))


def test_the_ninth_message_in_zalos_window_is_refused(platform, desk_gateway, client):
    request = hands_over(client, desk_gateway, "8506")
    settled(desk_gateway)
    sent_by_bot = shared_db(desk_gateway).execute("SELECT replies_since FROM conversation_owner").fetchone()[0]
    assert sent_by_bot == 1  # the handoff turn's reply, counted in the shared database
    for n in range(8 - sent_by_bot):
        assert staff(client, desk_gateway, request["id"], "reply", f"tin {n + 1}").status_code == 200
    refused = staff(client, desk_gateway, request["id"], "reply", "tin thứ chín")
    assert refused.status_code == 409 and "8 tin" in refused.json()["reason"]
    wait_for(lambda: len(zalo_texts(platform, "8506")) == 8, what="eight messages at Zalo")
    settled(desk_gateway)
    assert "tin thứ chín" not in zalo_texts(platform, "8506")


def test_a_call_back_contact_given_on_purpose_is_kept_for_staff_only(platform, desk_gateway, client):
    zalo_says(client, desk_gateway, "8507", "gọi lại 0912 345 678")  # before any request: masked, not kept
    wait_for(lambda: zalo_texts(platform, "8507"))
    assert platform.calls("rasa")[0]["json"]["message"] == "gọi lại [số điện thoại]"
    request = hands_over(client, desk_gateway, "8507")
    assert request["contact"] is None
    zalo_says(client, desk_gateway, "8507", "Gọi lại giúp tôi số 0912 345 678, số CCCD 001203004567")
    wait_for(lambda: request_of(client, desk_gateway, request["id"])["contact"] == "0912 345 678")
    thread = request_of(client, desk_gateway, request["id"])["messages"]
    assert thread[-1]["text"] == "Gọi lại giúp tôi số [số điện thoại], số CCCD [số giấy tờ]"
    wait_for(lambda: "Mình đã ghi lại số liên lạc bạn gửi để cán bộ gọi lại cho bạn." in zalo_texts(platform, "8507"))
    assert all("0912" not in c["json"]["message"] for c in platform.calls("rasa"))


def test_the_citizen_can_go_back_to_the_bot(platform, desk_gateway, client):
    request = hands_over(client, desk_gateway, "8508")
    zalo_says(client, desk_gateway, "8508", "Trợ lý ảo")
    wait_for(lambda: any("Bạn đang trò chuyện lại với trợ lý ảo" in t for t in zalo_texts(platform, "8508")))
    assert request_of(client, desk_gateway, request["id"])["status"] == "released"
    zalo_says(client, desk_gateway, "8508", "xin chào")
    wait_for(lambda: "Trả lời: xin chào" + CITATION in zalo_texts(platform, "8508"))


def test_outside_office_hours_the_bot_keeps_helping_and_says_when_staff_answer(platform, start_gateway, client):
    import datetime as dt

    from common.office_hours import TZ

    today = dt.datetime.now(TZ).date()
    gateway = start_gateway(staff_token=TOKEN, office_hours="always", office_closed_days=today.isoformat())
    platform.store_url = gateway.settings.db_url
    request = hands_over(client, gateway, "8509")
    [told] = wait_for(lambda: [t for t in zalo_texts(platform, "8509") if "ngoài giờ làm việc" in t])
    tomorrow = today + dt.timedelta(days=1)
    assert "Cán bộ sẽ trả lời bạn tại đây từ 00:00 ngày mai" in told and tomorrow.strftime("%d/%m") in told
    zalo_says(client, gateway, "8509", "Làm khai sinh cần gì?")
    wait_for(lambda: "Trả lời: Làm khai sinh cần gì?" + CITATION in zalo_texts(platform, "8509"), what="the bot keeps helping")
    thread = wait_for(lambda: [m for m in request_of(client, gateway, request["id"])["messages"] if "khai sinh" in m["text"]])
    assert [m["from"] for m in thread] == ["citizen", "bot"]
    assert sum("ngoài giờ làm việc" in t for t in zalo_texts(platform, "8509")) == 1  # said once
    # asking again while the request waits: one request, the citizen is told which
    zalo_says(client, gateway, "8509", "gặp cán bộ")
    wait_for(lambda: any(f"Bạn đang có yêu cầu YC-{request['id']} chờ cán bộ" in t for t in zalo_texts(platform, "8509")))
    assert [r["id"] for r in open_requests(client, gateway)] == [request["id"]]
    # staff may still answer (e.g. the next morning, within Zalo's window)
    assert staff(client, gateway, request["id"], "reply", "Chào bạn, sáng nay mình trả lời nhé").status_code == 200
