"""The campaign rules on plain data: each channel's window, the promotion package, the daily cap,
the checks before a campaign is stored, the opt-in and opt-out words, the topic settings."""
import datetime as dt
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from common.office_hours import TZ
from common.settings import Settings
from server import campaign_rules as rules
from server.consent import Consent

NOW = dt.datetime(2026, 12, 10, 15, 0, tzinfo=TZ).timestamp()
HOUR = 3600.0
ON = {"zalo": True, "facebook": True, "web": True}


def decide(channel, ago, sent=0, enabled=ON, promotion=False, today=0, cap=1):
    last = None if ago is None else NOW - ago * HOUR
    return rules.decide(channel, last, sent, NOW, enabled=enabled, zalo_promotion=promotion, sent_today=today, cap=cap)


@pytest.mark.parametrize("channel, ago, sent, promotion, route, code", [
    ("zalo", 47, 0, False, "cs", ""),
    ("zalo", 47, 8, False, None, "zalo_8_replies"),
    ("zalo", 49, 0, False, None, "zalo_48h"),
    ("zalo", None, 0, False, None, "no_message"),
    ("zalo", 49, 0, True, "promotion", ""),
    ("zalo", 47, 8, True, "promotion", ""),
    ("facebook", 23, 0, False, "messenger", ""),
    ("facebook", 25, 0, False, None, "messenger_24h"),
    ("facebook", 24 * 8, 0, False, None, "messenger_24h"),
    ("facebook", None, 0, False, None, "no_message"),
    ("web", None, 0, False, "web", ""),
    ("web", 24 * 300, 0, False, "web", ""),
])
def test_each_channel_has_its_window(channel, ago, sent, promotion, route, code):
    decision = decide(channel, ago, sent, promotion=promotion)
    assert (decision.route, decision.code) == (route, code)
    assert bool(decision.reason) == (route is None)
    if channel == "zalo" and route is None:
        assert "ZALO_PROMOTION" in decision.reason


def test_a_disabled_channel_and_the_daily_cap_block_with_their_reason():
    off = decide("zalo", 1, enabled={"zalo": False, "facebook": True})
    assert (off.route, off.code) == (None, "channel_off") and "Zalo" in off.reason
    capped = decide("web", None, today=1)
    assert (capped.route, capped.code) == (None, "daily_cap") and "tối đa 1 tin" in capped.reason
    assert decide("web", None, today=1, cap=2).route == "web"


def test_a_draft_names_its_topic_ends_with_how_to_stop_and_fits_every_channel():
    settings = Settings(campaign_topics="han-chot=Hạn chót thủ tục")
    for given in ("canh-bao-lua-dao", "Cảnh báo lừa đảo", "canh bao lua dao", "CẢNH BÁO LỪA ĐẢO"):
        assert rules.draft(settings, given, "Nội dung", None, NOW).topic == "canh-bao-lua-dao"
    draft = rules.draft(settings, "Hạn chót thủ tục", "  Hạn đổi giấy tờ\r\nsau sáp nhập \x07 ", None, NOW)
    assert draft.topic == "han-chot" and draft.text == "Hạn đổi giấy tờ\nsau sáp nhập" and draft.due_at == NOW
    assert draft.message.endswith("nhắn HỦY NHẬN TIN") and settings.campaign_sender in draft.message
    room = 2000 - (len(rules.message(settings, "han-chot", "")))
    assert rules.draft(settings, "han-chot", "a" * room, None, NOW)
    with pytest.raises(rules.BadCampaign, match=f"tối đa {room} ký tự"):
        rules.draft(settings, "han-chot", "a" * (room + 1), None, NOW)
    with pytest.raises(rules.BadCampaign, match="tối đa"):  # an emoji counts two, as the platforms count
        rules.draft(settings, "han-chot", "a" * (room - 1) + "🔔", None, NOW)


@pytest.mark.parametrize("at, due", [
    ("2026-12-10T23:00", dt.datetime(2026, 12, 10, 23, 0, tzinfo=TZ)),  # Vietnam time unless a zone is given
    ("2026-12-10T16:00+00:00", dt.datetime(2026, 12, 10, 16, 0, tzinfo=dt.timezone.utc)),
    (" ", None),
])
def test_a_time_is_read_in_vietnam_time(at, due):
    assert rules.due_time(at, NOW) == (due.timestamp() if due else NOW)


@pytest.mark.parametrize("topic, text, at, says", [
    ("thong-bao-chung", "", None, "nội dung trống"),
    ("thong-bao-chung", " \n\t ", None, "nội dung trống"),
    ("bong-da", "x", None, "chủ đề không có"),
    ("thong-bao-chung", "x", "2026-12-10T14:59", "đã qua"),
    ("thong-bao-chung", "x", "10/12/2026 8h", "không đọc được"),
])
def test_bad_input_is_refused_with_the_reason(topic, text, at, says):
    with pytest.raises(rules.BadCampaign, match=says):
        rules.draft(Settings(), topic, text, at, NOW)


def test_the_day_of_the_cap_is_the_vietnamese_day():
    assert rules.day_start(NOW) == dt.datetime(2026, 12, 10, tzinfo=TZ).timestamp()
    early = dt.datetime(2026, 12, 10, 6, 30, tzinfo=TZ).timestamp()  # 23:30 UTC the day before
    assert rules.day_start(early) == dt.datetime(2026, 12, 10, tzinfo=TZ).timestamp()


@pytest.mark.parametrize("text, kind, topics", [
    ("đăng ký nhận tin", "in", ["thong-bao-chung", "canh-bao-lua-dao"]),
    ("Đăng ký nhận tin!", "in", ["thong-bao-chung", "canh-bao-lua-dao"]),
    ("dang ky nhan tin", "in", ["thong-bao-chung", "canh-bao-lua-dao"]),
    ("/dang_ky_nhan_tin", "in", ["thong-bao-chung", "canh-bao-lua-dao"]),
    ("đăng ký nhận tin cảnh báo lừa đảo", "in", ["canh-bao-lua-dao"]),
    ("ĐĂNG KÝ NHẬN TIN THÔNG BÁO CHUNG", "in", ["thong-bao-chung"]),
    ("HỦY NHẬN TIN", "out", []),
    ("hủy nhận tin.", "out", []),
    ("huy dang ky nhan tin", "out", []),
    ("ngừng nhận tin", "out", []),
    ("đăng ký nhận tin nhắn báo kết quả hồ sơ thế nào?", None, []),  # a question for the bot
    ("làm sao hủy nhận tin nhắn quảng cáo của nhà mạng", None, []),
    ("hủy", None, []),
    ("đăng ký", None, []),
])
def test_the_opt_in_and_opt_out_words(text, kind, topics):
    consent = Consent(SimpleNamespace(settings=Settings()))
    assert consent.parse(text) == (kind, topics)


def test_topics_and_hours_are_checked_at_start():
    assert list(Settings(campaign_topics="han-chot=Hạn chót; dich-vu-moi=Dịch vụ công mới").topics) == [
        "thong-bao-chung", "canh-bao-lua-dao", "han-chot", "dich-vu-moi"]
    for bad in ("han chot=Hạn chót", "han-chot", "thong-bao-chung=Trùng", "a=b;a=c", "xy=" + "y" * 61):
        with pytest.raises(ValidationError, match="campaign_topics"):
            Settings(campaign_topics=bad)
    for bad in ("22:00-07:00", "7h-22h", "mon-fri 07:00-22:00"):
        with pytest.raises(ValidationError, match="campaign_hours"):
            Settings(campaign_hours=bad)
    with pytest.raises(ValidationError, match="campaign_daily_cap"):
        Settings(campaign_daily_cap=0)
