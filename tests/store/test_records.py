import pytest

from store.db import engine_for
from store.records import add_feedback, add_handoff, attach_comment, list_feedback, list_handoffs
from common.redact import redact


@pytest.fixture
def engine(tmp_path):
    return engine_for(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("cccd 001203004567", "cccd [số giấy tờ]"),
        ("CMND 123456789", "CMND [số giấy tờ]"),
        ("gọi 0912 345 678", "gọi [số điện thoại]"),
        ("+84 912345678", "[số điện thoại]"),
        ("mail a.b@gmail.com", "mail [email]"),
        ("tổng đài 1900 0368, 18001096", "tổng đài 1900 0368, 18001096"),
        ("lệ phí 200.000đ", "lệ phí 200.000đ"),
    ],
)
def test_redaction(raw, expected):
    assert redact(raw) == expected


def test_feedback_round_trip_is_redacted(engine):
    fid = add_feedback("web:1", "web", "down", question="cccd 001203004567 bao lâu", answer_id="cap-the-can-cuoc", engine=engine)
    attach_comment(fid, "gọi tôi 0912345678", engine=engine)
    row = list_feedback(engine=engine)[0]
    assert row["rating"] == "down" and row["answer_id"] == "cap-the-can-cuoc"
    assert "[số giấy tờ]" in row["question"] and row["comment"] == "gọi tôi [số điện thoại]"


def test_rating_must_be_up_down_or_none(engine):
    with pytest.raises(ValueError):
        add_feedback("web:1", "web", "meh", engine=engine)


def test_handoff_round_trip(engine):
    add_handoff("zalo:9", "zalo", "gặp cán bộ", [{"from": "citizen", "text": "sđt 0912345678"}], engine=engine)
    (row,) = list_handoffs(status="open", engine=engine)
    assert row["channel"] == "zalo" and row["transcript"] == [{"from": "citizen", "text": "sđt [số điện thoại]"}]
