"""Campaigns to Zalo citizens, checked against the fake Zalo API through the real gateway (signed
webhooks) and `dvc-bot` as an operator runs it: opt-in and opt-out by keyword, the consent
records, one message per campaign and citizen, quiet hours on an injected clock, Zalo's 48 h
window and the promotion endpoint, and bad input refused before anything is stored."""
import datetime as dt
import json
import sqlite3
import time
from contextlib import closing

import pytest

from common.office_hours import TZ
from tests.fakes import wait_for, zalo_mac
from tests.server.campaign_helpers import cli, consent_list, gateway_of, next_rounds, send, zalo_to
from tests.server.desk_helpers import settled, shared_db, zalo_says, zalo_texts

ALWAYS = "00:00-24:00"  # the sending hours of the tests that do not test them (they run at any hour)
SCAM = "Cảnh giác: có người gọi điện giả danh công an, yêu cầu cài ứng dụng VNeID giả để «cập nhật dữ liệu»."


@pytest.fixture
def zalo_gateway(start_gateway):
    return start_gateway(campaign_hours=ALWAYS, campaign_poll_s=0.1)


def campaign_texts(platform, user, text):
    return [m["text"] for m in zalo_to(platform, user) if m.get("text", "").startswith(text)]


def subscribes(client, gateway, platform, user, words="đăng ký nhận tin"):
    zalo_says(client, gateway, user, words)
    return wait_for(lambda: [t for t in zalo_texts(platform, user) if t.startswith("✅ Bạn đã đăng ký nhận tin")], what="the confirmation")[0]


def test_a_campaign_reaches_the_citizen_who_opted_in_once_and_nobody_after_the_opt_out(platform, zalo_gateway, client):
    a, b = "7001", "7002"
    confirmation = subscribes(client, zalo_gateway, platform, a)
    assert "Cảnh báo lừa đảo" in confirmation and "HỦY NHẬN TIN" in confirmation
    zalo_says(client, zalo_gateway, b, "Làm căn cước mất bao lâu?")
    wait_for(lambda: zalo_texts(platform, b), what="B's answer")
    assert len(platform.calls("rasa")) == 1  # "đăng ký nhận tin" never reached the bot

    line = send(zalo_gateway, "--topic", "Cảnh báo lừa đảo", "--text", SCAM)
    assert line["status"] == "done" and line["campaign"] == 1
    assert {k: line[k] for k in ("recipients", "sent", "blocked", "failed")} == {"recipients": 1, "sent": 1, "blocked": 0, "failed": 0}
    assert line["channels"]["zalo"]["sent"] == 1
    [message] = campaign_texts(platform, a, SCAM)
    assert message.endswith("nhắn HỦY NHẬN TIN") and "Cảnh báo lừa đảo" in message
    assert campaign_texts(platform, b, SCAM) == [] and [m for m in zalo_to(platform, b) if SCAM in m.get("text", "")] == []
    next_rounds(zalo_gateway, 3)
    assert len(campaign_texts(platform, a, SCAM)) == 1  # later rounds send it no more

    zalo_says(client, zalo_gateway, a, "HỦY NHẬN TIN")
    wait_for(lambda: any(t.startswith("Đã hủy: bạn sẽ không nhận tin") for t in zalo_texts(platform, a)), what="the opt-out reply")
    second = send(zalo_gateway, "--topic", "canh-bao-lua-dao", "--text", "Tin thứ hai: trang web giả mạo Cổng dịch vụ công.")
    assert {k: second[k] for k in ("recipients", "sent", "blocked", "failed")} == {"recipients": 0, "sent": 0, "blocked": 0, "failed": 0}
    next_rounds(zalo_gateway)
    assert not [m for u in (a, b) for m in zalo_to(platform, u) if "Tin thứ hai" in m.get("text", "")]

    [record] = consent_list(zalo_gateway)
    assert record["user"] == f"zalo:{a}" and record["method"] == "keyword" and record["channel"] == "zalo"
    assert record["topics"] == ["thong-bao-chung", "canh-bao-lua-dao"] and record["wording"] == confirmation
    assert record["given_at"] < record["withdrawn_at"] and record["withdrawn_by"] == "keyword"
    assert consent_list(zalo_gateway, "--user", f"zalo:{b}") == []


def test_a_topic_named_in_the_words_and_unfollow_withdraws_everything(platform, zalo_gateway, client):
    a = "7101"
    subscribes(client, zalo_gateway, platform, a, "Đăng ký nhận tin thông báo chung")
    [record] = consent_list(zalo_gateway, "--user", f"zalo:{a}")
    assert record["topics"] == ["thong-bao-chung"]
    assert send(zalo_gateway, "--topic", "canh-bao-lua-dao", "--text", SCAM)["recipients"] == 0  # not this topic

    body = {"app_id": "app-1", "event_name": "unfollow", "follower": {"id": a}, "timestamp": str(int(time.time() * 1000))}
    raw = json.dumps(body).encode()
    headers = {"content-type": "application/json", "X-ZEvent-Signature": zalo_mac("app-1", raw, body["timestamp"], "oa-secret-key")}
    assert client.post(f"{zalo_gateway.base}/webhooks/zalo", content=raw, headers=headers).json() == {"status": "accepted"}
    settled(zalo_gateway)
    [record] = consent_list(zalo_gateway, "--user", f"zalo:{a}")
    assert record["withdrawn_by"] == "unfollow" and record["withdrawn_at"]


def next_23h(after: float) -> dt.datetime:
    local = dt.datetime.fromtimestamp(after, TZ)
    moment = local.replace(hour=23, minute=0, second=0, microsecond=0)
    return moment if moment.timestamp() > after + 60 else moment + dt.timedelta(days=1)


def test_a_campaign_due_at_23h_waits_until_07h(platform, start_gateway, client):
    gateway = start_gateway(campaign_poll_s=0.1)  # the default sending hours, 07:00-22:00
    assert gateway.settings.campaign_hours == "07:00-22:00"
    user = "7201"
    subscribes(client, gateway, platform, user)
    due = next_23h(time.time())
    line = send(gateway, "--topic", "thong-bao-chung", "--text", "Từ 1/1, nộp hồ sơ đổi địa chỉ trên giấy tờ sau sáp nhập.",
                "--at", due.strftime("%Y-%m-%dT%H:%M"))
    morning = (due + dt.timedelta(days=1)).replace(hour=7, minute=0)
    assert line["status"] == "scheduled" and line["sends_from"] == morning.isoformat() and line["sent"] == 0

    campaigns = gateway_of(gateway).campaigns
    for moment in (due, due + dt.timedelta(minutes=30), morning - dt.timedelta(seconds=1)):
        campaigns.clock = moment.timestamp
        next_rounds(gateway)
        assert campaign_texts(platform, user, "Từ 1/1") == [], moment
        assert shared_db(gateway).execute("SELECT status FROM campaigns").fetchone()[0] == "scheduled"
    campaigns.clock = morning.timestamp
    wait_for(lambda: campaign_texts(platform, user, "Từ 1/1"), what="the campaign at 07:00")
    wait_for(lambda: shared_db(gateway).execute("SELECT status FROM campaigns").fetchone()[0] == "done", what="the campaign done")
    report = cli(gateway, "campaign", "report", "1", "--json")
    assert '"sent": 1' in report.stdout, report.stdout


def test_outside_48_hours_zalo_messages_are_blocked_unless_the_oa_has_the_promotion_package(platform, start_gateway, client):
    user = "7301"
    plain = start_gateway(campaign_hours=ALWAYS, campaign_poll_s=0.1)
    subscribes(client, plain, platform, user)
    gateway_of(plain).campaigns.clock = lambda: time.time() + 49 * 3600
    line = send(plain, "--topic", "thong-bao-chung", "--text", "Thông báo: cổng dịch vụ công bảo trì tối thứ Bảy.")
    assert (line["recipients"], line["sent"], line["blocked"]) == (1, 0, 1)
    blocked = line["channels"]["zalo"]["blocked_by"]["zalo_48h"]
    assert blocked["count"] == 1 and "48 giờ" in blocked["reason"] and "ZALO_PROMOTION" in blocked["reason"]
    assert not campaign_texts(platform, user, "Thông báo: cổng") and platform.calls("zalo_promotion") == []
    plain.__exit__(None, None, None)

    paid = start_gateway(campaign_hours=ALWAYS, campaign_poll_s=0.1, zalo_promotion=True, data_dir=plain.settings.data_dir)
    gateway_of(paid).campaigns.clock = lambda: time.time() + 49 * 3600
    line = send(paid, "--topic", "thong-bao-chung", "--text", "Thông báo hai: lịch tiếp công dân tháng 12.")
    assert (line["recipients"], line["sent"], line["blocked"]) == (1, 1, 0)
    [call] = platform.sent("zalo_promotion")
    payload = call["json"]["message"]["attachment"]["payload"]
    assert call["json"]["recipient"]["user_id"] == user and payload["template_type"] == "promotion"
    assert payload["elements"][-1]["content"].endswith("nhắn HỦY NHẬN TIN") and "_endpoint" not in call["json"]["message"]


@pytest.mark.parametrize("args, says", [
    (["--topic", "canh-bao-lua-dao", "--text", "   "], "nội dung trống"),
    (["--topic", "thời tiết", "--text", SCAM], "chủ đề không có"),
    (["--topic", "canh-bao-lua-dao", "--text", SCAM, "--at", "2020-01-01T08:00"], "đã qua"),
    (["--topic", "canh-bao-lua-dao", "--text", "Cảnh báo. " * 200], "quá giới hạn của Zalo"),
    (["--topic", "canh-bao-lua-dao", "--text", SCAM, "--at", "sáng mai"], "không đọc được"),
])
def test_bad_input_gets_a_clear_error_and_sends_nothing(platform, zalo_gateway, client, args, says):
    subscribes(client, zalo_gateway, platform, "7401")
    before = len(zalo_texts(platform, "7401"))
    done = cli(zalo_gateway, "campaign", "send", *args, "--yes")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("dvc-bot campaign send: ") and says in done.stderr and "nothing was sent" in done.stderr
    assert "Traceback" not in done.stderr
    next_rounds(zalo_gateway)
    assert shared_db(zalo_gateway).execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0
    assert len(zalo_texts(platform, "7401")) == before


def dump(path):
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def test_a_citizens_request_removes_their_data_and_keeps_an_anonymous_proof(platform, zalo_gateway, client):
    user, other = "zuser-erase-42", "zuser-stays-43"
    for who in (user, other):
        subscribes(client, zalo_gateway, platform, who)
    send(zalo_gateway, "--topic", "thong-bao-chung", "--text", "Thông báo chung số một.")

    exported = cli(zalo_gateway, "privacy", "export", "--user", f"zalo:{user}", "--json")
    data = json.loads(exported.stdout)
    assert [r["topics"] for r in data["consent_records"]] == ["thong-bao-chung,canh-bao-lua-dao"]
    assert [d["status"] for d in data["campaign_deliveries"]] == ["sent"] and data["campaign_contacts"][0]["last_citizen_at"]

    erased = cli(zalo_gateway, "consent", "erase", "--user", f"zalo:{user}")
    assert erased.returncode == 0 and "consent records 1" in erased.stdout and "anonymous" in erased.stdout, erased.stdout
    proof = [r for r in consent_list(zalo_gateway) if r["user"] is None]
    assert len(proof) == 1 and proof[0]["withdrawn_by"] == "erasure" and proof[0]["wording"].startswith("✅ Bạn đã đăng ký")
    assert [r["user"] for r in consent_list(zalo_gateway) if r["user"]] == [f"zalo:{other}"]
    assert user not in dump(zalo_gateway.settings.data_dir / "dvcbot.db")
    audit = shared_db(zalo_gateway).execute("SELECT actor, action, target, detail FROM staff_audit WHERE action = 'consent_erased'").fetchall()
    assert audit and user not in str(audit)  # the audit says what was done, never about whom

    cli(zalo_gateway, "privacy", "erase", "--user", f"zalo:{user}")  # the rest: the gateway's reply window
    for path in sorted(zalo_gateway.settings.data_dir.glob("*.db")):
        assert user not in dump(path), path.name
    again = cli(zalo_gateway, "consent", "erase", "--user", f"zalo:{user}")
    assert again.returncode == 0 and "no consent or campaign data" in again.stdout
    bad = cli(zalo_gateway, "consent", "erase", "--user", "telegram:1")
    assert bad.returncode == 2 and bad.stderr.startswith("dvc-bot consent erase: unknown channel")


def test_the_window_counts_from_the_citizens_latest_message_not_the_opt_in(platform, zalo_gateway, client):
    user, now = "7601", time.time()
    zalo_says(client, zalo_gateway, user, "đăng ký nhận tin", at_ms=int((now - 20 * 3600) * 1000))  # 20 hours ago
    wait_for(lambda: zalo_texts(platform, user), what="the confirmation")
    zalo_says(client, zalo_gateway, user, "Làm hộ chiếu mất bao lâu?")  # now

    def seen() -> str:
        with closing(sqlite3.connect(zalo_gateway.settings.data_dir / "gateway.db")) as db:
            outbox = db.execute("SELECT status, attempts, last_error FROM outbox").fetchall()
        return f"sent {zalo_texts(platform, user)}, {len(platform.calls('rasa'))} Rasa calls, outbox {outbox}"

    wait_for(lambda: len(zalo_texts(platform, user)) >= 2, what="the answer", explain=seen)
    assert zalo_texts(platform, user)[1].startswith("Trả lời: Làm hộ chiếu"), seen()
    wait_for(lambda: shared_db(zalo_gateway).execute("SELECT last_citizen_at FROM campaign_contacts").fetchone()[0] >= now,
             what="the latest message noted")
    gateway_of(zalo_gateway).campaigns.clock = lambda: now + 30 * 3600  # 50 h after the opt-in, 30 h after the question
    line = send(zalo_gateway, "--topic", "thong-bao-chung", "--text", "Thông báo: lịch trực thứ Bảy.")
    assert (line["sent"], line["blocked"]) == (1, 0)
    assert campaign_texts(platform, user, "Thông báo: lịch trực")


def test_a_dry_run_counts_recipients_per_channel_and_stores_nothing(platform, zalo_gateway, client):
    subscribes(client, zalo_gateway, platform, "7701")
    web = client.post(f"{zalo_gateway.base}/webhooks/web", json={"sender": "trang-tinh-1", "message": "Đăng ký nhận tin"})
    assert web.json()["messages"][0]["text"].startswith("✅ Bạn đã đăng ký nhận tin")

    def dry_run():
        done = cli(zalo_gateway, "campaign", "send", "--topic", "thong-bao-chung", "--text", "Thử.", "--dry-run")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    plan = dry_run()
    assert (plan["campaign"], plan["dry_run"], plan["recipients"], plan["would_send"], plan["sent"], plan["blocked"]) == (None, True, 2, 2, 0, 0)
    assert {c: (line["recipients"], line["would_send"]) for c, line in plan["channels"].items()} == {"zalo": (1, 1), "web": (1, 1)}
    assert shared_db(zalo_gateway).execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0
    unconfirmed = cli(zalo_gateway, "campaign", "send", "--topic", "thong-bao-chung", "--text", "Thử.")  # no --yes
    assert unconfirmed.returncode == 2 and "add --yes" in unconfirmed.stderr and "2 recipient(s)" in unconfirmed.stderr
    assert shared_db(zalo_gateway).execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0

    assert send(zalo_gateway, "--topic", "thong-bao-chung", "--text", "Thông báo thật.")["sent"] == 2
    capped = dry_run()  # the same day: the daily cap blocks both
    assert (capped["recipients"], capped["would_send"], capped["blocked"]) == (2, 0, 2)
    assert capped["channels"]["zalo"]["blocked_by"]["daily_cap"]["count"] == 1
