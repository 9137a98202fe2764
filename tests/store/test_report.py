"""The staff report (store.report, server.report_html, `dvc-bot report`) on a real SQLite file
holding Rasa's `events` (saved by Rasa's SQLTrackerStore) and the feedback/handoff store."""
import base64
import datetime as dt
import json
import os
import subprocess

import pytest

from server.report_html import render_html
from store.db import engine_for
from store.report import build_report, format_text, period, question_key
from tests.conftest import DVC_BOT, ROOT
from tests.store.report_data import CCCD, EMAIL, PHONE, RAW_SECRETS, VIETNAM, midday, populate, save_trackers


def pseudonym(sender):
    return "p-" + str(abs(hash(sender)) % 10000)


@pytest.fixture
def db(tmp_path):
    """(path, engine, when): the recent conversations at `when`, a Vietnam midday (a report run
    just after midnight must count the same days as at any other time)."""
    path = tmp_path / "dvcbot.db"
    when = midday()
    return path, populate(path, now=when), when


def test_turns_outcomes_and_channels(db):
    _, engine, _ = db
    report = build_report(engine, days=30, pseudonym=pseudonym)
    turns = report["turns"]
    assert turns["available"] and turns["total"] == 9 and turns["conversations"] == 4  # the 40-day-old turn is out
    assert turns["by_channel"] == {"socketio": 4, "web": 2, "zalo": 2, "facebook": 1}
    assert turns["by_outcome"] == {"answered": 2, "fallback": 4, "handoff": 1, "feedback": 1, "chitchat": 1}
    assert turns["share"] == {"answered": round(2 / 9, 4), "fallback": round(4 / 9, 4), "handoff": round(1 / 9, 4)}
    assert turns["by_channel_outcome"]["socketio"] == {"chitchat": 1, "fallback": 2, "answered": 1}
    assert turns["answered_by_topic"] == {"procedure": 2}
    assert sum(day["turns"] for day in turns["per_day"]) == 9 and len(turns["per_day"]) == 3


def test_top_unanswered_are_grouped_and_redacted(db):
    _, engine, _ = db
    unanswered = build_report(engine, days=30, pseudonym=pseudonym)["turns"]["unanswered"]
    top = unanswered[0]
    assert top["count"] == 2 and top["reason"] == "no_answer"  # two spellings, other numbers: one question
    assert "[số giấy tờ]" in top["question"] and "[số điện thoại]" in top["question"]
    reasons = {row["question"]: row["reason"] for row in unanswered}
    assert reasons["giá vàng hôm nay"] == "out_of_scope"  # derived from the response name
    assert reasons["Thủ tục đăng ký kết hôn với người nước ngoài ở huyện"] == "clarify"
    assert "/rate_good" not in reasons and len(unanswered) == 3
    assert question_key("Bị KHÓA tài khoản!!") == question_key("bi khoa  tai khoan")


def test_satisfaction_per_topic_and_day_and_open_handoffs(db):
    _, engine, when = db
    report = build_report(engine, days=30, pseudonym=pseudonym)
    sat = report["satisfaction"]
    assert (sat["ratings"], sat["up"], sat["down"], sat["score"], sat["comments"]) == (3, 2, 1, round(2 / 3, 4), 1)
    by_topic = {row["topic"]: row for row in sat["by_topic"]}
    assert by_topic["security"]["score"] == 0.5 and by_topic["procedure"]["score"] == 1.0
    assert [(d["up"], d["down"]) for d in sat["per_day"]] == [(1, 0), (1, 1)]
    [handoff] = report["open_handoffs"]  # the closed one is not listed
    assert handoff["ref"] == f"YC-{handoff['id']}" and handoff["channel"] == "facebook"
    assert handoff["conversation"] == pseudonym("fb:5566778899")
    assert "[số giấy tờ]" in handoff["reason"]
    # a shorter period leaves the older rating and turns out
    since = dt.datetime.fromtimestamp(when, VIETNAM).date()  # the day of the latest turns
    today = build_report(engine, since=since, pseudonym=pseudonym)
    assert today["satisfaction"]["ratings"] == 2 and today["turns"]["total"] == 5


def test_the_gateways_warm_up_conversations_are_left_out(db):
    """The gateway's own turns at start (server/warmup.py) are not citizens': no turns, no ratings."""
    from store import records
    from store.outcomes import WARM_UP_SENDER
    from tests.store.report_data import action, bot, user

    path, engine, when = db
    sender = f"{WARM_UP_SENDER}:0:abc123"
    save_trackers(path, {sender: [
        user("xin chào", when, "warmup", "greet"), action("utter_greet", when + 1),
        bot("Xin chào!", when + 1, {"outcome": "chitchat"}, "utter_greet"), action("action_listen", when + 2),
        user("/rate_good", when + 3, "warmup", "rate_good"), action("action_record_rating", when + 4),
        bot("Cảm ơn bạn đã đánh giá!", when + 4, {"outcome": "feedback", "rating": "up"}), action("action_listen", when + 5),
    ]})
    records.add_feedback(sender, "warmup", rating="up", engine=engine)
    report = build_report(engine, days=30, pseudonym=pseudonym)
    assert report["turns"]["total"] == 9 and report["turns"]["conversations"] == 4 and "warmup" not in report["turns"]["by_channel"]
    assert report["satisfaction"]["ratings"] == 3


def test_text_json_and_html_never_show_personal_numbers(db):
    _, engine, _ = db
    report = build_report(engine, days=30)  # the real pseudonyms (common.logs)
    outputs = ["\n".join(format_text(report)), json.dumps(report, ensure_ascii=False), render_html(report)]
    for output in outputs:
        for secret in RAW_SECRETS:
            assert secret not in output
        assert "fb:5566778899" not in output and "web:alice" not in output
    text = outputs[0]
    assert "9 turns in 4 conversations" in text and "answered 22%" in text and "handoff 11%" in text
    assert "overall 67% of 3 ratings" in text and "Open handoff requests (1)" in text


def test_html_is_self_contained_with_real_charts(db):
    _, engine, _ = db
    page = render_html(build_report(engine, days=30))
    images = page.split('src="data:image/png;base64,')[1:]
    assert len(images) == 4
    for image in images:
        png = base64.b64decode(image.split('"', 1)[0])
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000
    assert "http://" not in page.replace("https://", "")  # nothing loaded from elsewhere
    assert "<script" not in page


def test_empty_database_says_no_data_yet(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    report = build_report(engine, days=7)
    assert report["empty"] and report["turns"]["available"] is False  # no tracker store here
    text = "\n".join(format_text(report))
    assert "No data yet" in text and "no ratings yet" in text and "none" in text
    save_trackers(tmp_path / "empty.db", {})  # Rasa's table, still empty
    report = build_report(engine, days=7)
    assert report["empty"] and report["turns"]["available"] and report["turns"]["total"] == 0
    assert "no data yet" in "\n".join(format_text(report))
    page = render_html(report)
    assert "Chưa có dữ liệu" in page and "data:image/png" not in page


def test_period_from_days_or_since():
    now = dt.datetime(2025, 7, 10, 3, 0, tzinfo=dt.timezone.utc)  # 10:00 in Vietnam
    start, end = period(days=7, now=now)
    assert start.isoformat() == "2025-07-04T00:00:00+07:00" and end.date() == dt.date(2025, 7, 10)
    start, _ = period(since=dt.date(2025, 7, 1), now=now)
    assert start.isoformat() == "2025-07-01T00:00:00+07:00"


def _cli(args, db_path, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "DVC_DATA_DIR": str(tmp_path / "var")}
    return subprocess.run([DVC_BOT, "report", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_text_json_and_html(db, tmp_path):
    path, _, _ = db
    text = _cli([], path, tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Top unanswered questions" in text.stdout and "9 turns in 4 conversations" in text.stdout
    as_json = _cli(["--json", "--days", "30"], path, tmp_path)
    data = json.loads(as_json.stdout)
    assert data["turns"]["total"] == 9 and data["satisfaction"]["ratings"] == 3
    page = tmp_path / "report.html"
    html = _cli(["--html", str(page), "--since", "2020-01-01"], path, tmp_path)
    assert html.returncode == 0 and page.read_text(encoding="utf-8").count("data:image/png;base64,") == 4
    assert data["turns"]["total"] < json.loads(_cli(["--json", "--since", "2020-01-01"], path, tmp_path).stdout)["turns"]["total"]
    for output in (text.stdout, as_json.stdout, page.read_text(encoding="utf-8")):
        assert CCCD not in output and PHONE not in output and EMAIL not in output
    bad = _cli(["--since", "yesterday"], path, tmp_path)
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_staff_handling_rate_and_median_time_to_first_reply(db):
    """Requests and 👎/comments staff handled, and the median wait for a first staff reply."""
    from store import desk
    from store.records import add_feedback, add_handoff

    _, engine, _ = db

    def created(handoff_id):
        return desk.epoch(desk.get_handoff(engine, handoff_id)["created_at"])

    ids = {}
    for minutes in (4, 10, 60):  # three requests, answered after 4, 10 and 60 minutes
        sender = f"zalo:{minutes}"
        ids[minutes] = add_handoff(sender, "zalo", "gặp cán bộ", [], engine=engine)
        desk.claim(engine, sender, "zalo", ids[minutes], created(ids[minutes]))
        desk.add_staff_message(engine, sender, "zalo", "lan", "Chào bạn", created(ids[minutes]) + minutes * 60, desk.OUTBOX,
                               handoff_id=ids[minutes])
    desk.give_back(engine, ids[4], "lan", created(ids[4]) + 3600, close=True)
    desk.give_back(engine, ids[10], "lan", created(ids[10]) + 3600, close=False)
    again = add_handoff("zalo:60", "zalo", "gặp cán bộ lần nữa", [], engine=engine)
    assert desk.claim(engine, "zalo:60", "zalo", again, created(again)) == ids[60]  # merged into the open one: not counted
    item = add_feedback("web:dan", "web", rating="down", comment="sai", engine=engine)
    desk.mark_feedback_handled(engine, item, "lan", created(ids[4]))

    staff = build_report(engine, days=30, pseudonym=pseudonym)["staff"]
    # populate() holds 2 more requests (1 closed before the desk existed, 1 open) and 1 👎 with a comment
    assert (staff["requests"], staff["handled"], staff["answered"]) == (5, 3, 3)
    assert staff["handled_rate"] == round(3 / 5, 4) and staff["median_first_response_s"] == pytest.approx(600, abs=2)
    assert (staff["feedback_items"], staff["feedback_handled"]) == (2, 1)
    report = build_report(engine, days=30, pseudonym=pseudonym)
    text = "\n".join(format_text(report))
    assert "requests handled (back to the bot or closed): 3 of 5 (60%)" in text and "median time to the first staff reply: 10 min" in text
    page = render_html(report)
    assert "Cán bộ xử lý" in page and "10 phút" in page and "60%" in page
