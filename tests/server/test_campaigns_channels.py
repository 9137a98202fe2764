"""Campaigns on Messenger and the website through the real gateway: Messenger only within 24 h
of the citizen's last message (blocked with the reason after), the website as a notice shown
when the widget opens again, the opt-in button offered once after a relevant answer (the record
keeps the offer's wording), and the daily cap."""
import asyncio
import json
import time

from tests.fakes import wait_for
from tests.server.campaign_helpers import cli, consent_list, gateway_of, send
from tests.server.desk_helpers import graph_sent, messenger_says, shared_db
from tests.server.test_socketio import RawSocket

ALWAYS = "00:00-24:00"


def test_messenger_gets_campaigns_within_24_hours_only(platform, start_gateway, client):
    gateway = start_gateway(campaign_hours=ALWAYS, campaign_poll_s=0.1)
    psid = "8801"
    messenger_says(client, gateway, psid, "Đăng ký nhận tin")
    wait_for(lambda: any(m["message"].get("text", "").startswith("✅ Bạn đã đăng ký") for m in graph_sent(platform, psid)),
             what="the confirmation")

    line = send(gateway, "--topic", "thong-bao-chung", "--text", "Lịch nghỉ Tết của bộ phận một cửa: 14/2 đến 22/2.")
    assert (line["recipients"], line["sent"], line["blocked"], line["failed"]) == (1, 1, 0, 0)
    [sent] = [m for m in graph_sent(platform, psid) if m["message"].get("text", "").startswith("Lịch nghỉ Tết")]
    assert sent["messaging_type"] == "UPDATE" and "tag" not in sent and sent["message"]["text"].endswith("nhắn HỦY NHẬN TIN")
    assert "_messaging_type" not in sent["message"] and "_campaign" not in sent["message"]

    gateway_of(gateway).campaigns.clock = lambda: time.time() + 25 * 3600  # the next day: outside 24 h
    late = send(gateway, "--topic", "thong-bao-chung", "--text", "Tin sau 25 giờ.")
    assert (late["recipients"], late["sent"], late["blocked"]) == (1, 0, 1)
    reason = late["channels"]["facebook"]["blocked_by"]["messenger_24h"]["reason"]
    assert "24 giờ" in reason and "Meta" in reason
    assert not [m for m in graph_sent(platform, psid) if m["message"].get("text", "").startswith("Tin sau 25 giờ")]


def test_a_web_citizen_is_offered_once_opts_in_by_the_button_and_sees_the_notice_when_the_widget_opens(platform, start_gateway, client):
    gateway = start_gateway(campaign_hours=ALWAYS, campaign_poll_s=0.1)
    session = "phien-chien-dich-1"

    async def converse():
        sock = await RawSocket.open(gateway.base)
        await sock.emit("session_request", {"session_id": session})
        assert await sock.event() == ["session_confirm", session]
        said = []
        for text, count in (("/marked_security_answer", 2), ("/marked_security_answer", 1), ("/dang_ky_nhan_tin", 1)):
            await sock.emit("user_uttered", {"message": text, "session_id": session})
            said.append([(await sock.event())[1] for _ in range(count)])
        await sock.close()
        return said

    first, second, subscribed = asyncio.run(converse())
    offer = first[1]
    assert offer["quick_replies"] == [{"content_type": "text", "title": "Đăng ký nhận tin", "payload": "/dang_ky_nhan_tin"}]
    assert "HỦY NHẬN TIN" in offer["text"] and "Tối đa 1 tin mỗi ngày" in offer["text"]
    assert "quick_replies" not in second[0]  # offered once per conversation
    assert subscribed[0]["text"].startswith("✅ Bạn đã đăng ký nhận tin")
    [record] = consent_list(gateway, "--user", f"web:{session}")
    assert record["method"] == "button" and record["wording"] == offer["text"] and record["channel"] == "web"

    line = send(gateway, "--topic", "canh-bao-lua-dao", "--text", "Cảnh báo: trang web giả mạo dichvucong-gov.vn.")
    assert (line["recipients"], line["sent"], line["blocked"]) == (1, 1, 0) and line["channels"]["web"]["shown"] == 0

    async def reopen():
        sock = await RawSocket.open(gateway.base)
        await sock.emit("session_request", {"session_id": session})
        assert await sock.event() == ["session_confirm", session]
        shown = await sock.event()
        await sock.close()
        return shown

    name, notice = asyncio.run(reopen())
    assert name == "bot_uttered" and notice["text"].startswith("Cảnh báo: trang web giả mạo") and notice["text"].endswith("nhắn HỦY NHẬN TIN")
    db = shared_db(gateway)
    wait_for(lambda: db.execute("SELECT delivery FROM desk_messages").fetchone()[0] == "delivered", what="the notice marked shown")

    capped = send(gateway, "--topic", "thong-bao-chung", "--text", "Tin thứ hai trong ngày.")
    assert (capped["recipients"], capped["sent"], capped["blocked"]) == (1, 0, 1)
    assert "1 tin" in capped["channels"]["web"]["blocked_by"]["daily_cap"]["reason"]
    report = json.loads(cli(gateway, "campaign", "report", str(line["campaign"]), "--json").stdout)
    assert report["channels"]["web"]["shown"] == 1 and report["status"] == "done"
