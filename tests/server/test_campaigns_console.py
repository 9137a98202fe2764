"""The console's campaign pages through the real gateway: the admin previews (recipients per
channel, the message as citizens read it), sends, reads the report per channel and cancels a
scheduled one; bad input is refused on the page with nothing stored; staff accounts only read;
forms need the session's CSRF token; every change is audited."""
import datetime as dt
import re
import time

import pytest

from common.office_hours import TZ
from store import staff as accounts
from store.db import engine_for
from tests.fakes import wait_for
from tests.server.campaign_helpers import gateway_of, next_rounds, zalo_to
from tests.server.desk_helpers import TOKEN, shared_db, zalo_says, zalo_texts
from tests.server.test_staff_console import PASSWORD, csrf_of, sign_in

SCAM = "Cảnh giác tin nhắn giả mạo tổng đài 18001096 báo phạt nguội."


@pytest.fixture
def console(start_gateway, platform, client):
    gateway = start_gateway(staff_token=TOKEN, campaign_hours="00:00-24:00", campaign_poll_s=0.1)
    accounts.add_user(engine_for(gateway.settings.db_url), "lan", PASSWORD, "Nguyễn Thị Lan")
    zalo_says(client, gateway, "9101", "đăng ký nhận tin cảnh báo lừa đảo")
    wait_for(lambda: zalo_texts(platform, "9101"), what="the confirmation")
    return gateway


def stored(gateway):
    return shared_db(gateway).execute("SELECT COUNT(*) FROM campaigns").fetchone()[0]


def test_the_admin_previews_sends_and_reads_the_report(console, platform):
    admin = sign_in(console, "admin", TOKEN)
    form = admin.get(f"{console.base}/staff/campaigns")
    assert form.status_code == 200 and "Chưa có chiến dịch nào" in form.text and 'action="/staff/campaigns/preview"' in form.text
    csrf = csrf_of(form.text)

    empty = admin.post(f"{console.base}/staff/campaigns/preview", data={"csrf": csrf, "topic": "canh-bao-lua-dao", "text": " "})
    assert empty.status_code == 422 and "nội dung trống" in empty.text and stored(console) == 0
    past = admin.post(f"{console.base}/staff/campaigns/preview",
                      data={"csrf": csrf, "topic": "canh-bao-lua-dao", "text": SCAM, "at": "2024-01-01T08:00"})
    assert past.status_code == 422 and "đã qua" in past.text and SCAM in past.text  # the draft is kept in the form

    preview = admin.post(f"{console.base}/staff/campaigns/preview", data={"csrf": csrf, "topic": "canh-bao-lua-dao", "text": SCAM})
    assert preview.status_code == 200 and stored(console) == 0  # a preview stores nothing
    assert "nhắn HỦY NHẬN TIN" in preview.text and "Người nhận nếu gửi bây giờ: 1" in preview.text
    assert re.search(r"<td>Zalo</td><td>1</td><td>1</td><td>0</td>", preview.text), preview.text
    sent = admin.post(f"{console.base}/staff/campaigns", data={"csrf": csrf, "topic": "canh-bao-lua-dao", "text": SCAM, "at": ""})
    assert sent.status_code == 303 and sent.headers["location"] == "/staff/campaigns/1?ok=created"

    [message] = wait_for(lambda: [m["text"] for m in zalo_to(platform, "9101") if m.get("text", "").startswith(SCAM)], what="the campaign")
    assert message.endswith("nhắn HỦY NHẬN TIN")
    report = wait_for(lambda: (lambda r: r if "đã gửi xong" in r.text else None)(admin.get(f"{console.base}/staff/campaigns/1")),
                      what="the report")
    assert "1 người nhận · 1 đã gửi · 0 đang gửi · 0 bị chặn · 0 lỗi" in report.text
    audit = shared_db(console).execute("SELECT actor, action, target FROM staff_audit WHERE action LIKE 'campaign%'").fetchall()
    assert audit == [("admin", "campaign_created", "campaign:1")]
    assert shared_db(console).execute("SELECT created_by FROM campaigns").fetchone()[0] == "admin"


def test_a_scheduled_campaign_can_be_cancelled_and_staff_accounts_only_read(console, platform):
    admin = sign_in(console, "admin", TOKEN)
    csrf = csrf_of(admin.get(f"{console.base}/staff/campaigns").text)
    tomorrow = (dt.datetime.now(TZ) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    created = admin.post(f"{console.base}/staff/campaigns", data={"csrf": csrf, "topic": "thong-bao-chung", "text": "Mai.", "at": tomorrow})
    assert created.status_code == 303
    page = admin.get(f"{console.base}/staff/campaigns/1")
    assert "chờ đến giờ gửi" in page.text and "Hủy chiến dịch" in page.text

    lan = sign_in(console)
    assert "Mai." in lan.get(f"{console.base}/staff/campaigns").text
    lan_csrf = csrf_of(lan.get(f"{console.base}/staff/queue").text)
    refused = lan.post(f"{console.base}/staff/campaigns/1/cancel", data={"csrf": lan_csrf})
    assert refused.status_code == 403
    assert lan.post(f"{console.base}/staff/campaigns", data={"csrf": lan_csrf, "topic": "thong-bao-chung", "text": "x"}).status_code == 403
    forged = admin.post(f"{console.base}/staff/campaigns/1/cancel", data={"csrf": "not-the-token"})
    assert forged.status_code == 403

    cancelled = admin.post(f"{console.base}/staff/campaigns/1/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 303
    assert "đã hủy" in admin.get(f"{console.base}/staff/campaigns/1").text
    assert admin.post(f"{console.base}/staff/campaigns/1/cancel", data={"csrf": csrf}).status_code == 409
    assert admin.post(f"{console.base}/staff/campaigns/99/cancel", data={"csrf": csrf}).status_code == 404
    assert admin.get(f"{console.base}/staff/campaigns/abc").status_code == 404
    assert [r[0] for r in shared_db(console).execute("SELECT action FROM staff_audit WHERE target = 'campaign:1' ORDER BY id")] == [
        "campaign_created", "campaign_cancelled"]
    gateway_of(console).campaigns.clock = lambda: time.time() + 2 * 86400  # past its time: never sent
    next_rounds(console)
    assert shared_db(console).execute("SELECT status FROM campaigns").fetchone()[0] == "cancelled"
    assert not [m for m in zalo_to(platform, "9101") if m.get("text", "").startswith("Mai.")]
