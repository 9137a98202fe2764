import datetime as dt

import pytest

from answering.aspects import answer_aspect, aspects_in, card
from answering.compose import follow_up_buttons, procedure_text
from knowledge.catalog import load_procedures


@pytest.fixture(scope="module")
def can_cuoc():
    return load_procedures()["cap-the-can-cuoc"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("làm căn cước mất bao lâu", ["time"]),
        ("lam can cuoc het bn tien", ["fee"]),
        ("cccd cần giấy tờ j", ["documents"]),
        ("nộp ở đâu", ["where"]),
        ("nop online dc ko", ["online"]),
        ("các bước làm thế nào", ["steps"]),
        ("mất bao lâu và lệ phí bao nhiêu", ["time", "fee"]),
        ("căn cước", []),
        # words that only look like a fee or the online aspect
        ("mua bhyt hộ gia đình ở đâu", ["where"]),
        ("gia hạn tạm trú nộp ở đâu", ["where"]),
        ("nhận tiền tuất cho bà thì nộp ở đâu", ["where"]),
        ("giấy này có giá trị bao lâu", ["time"]),
        ("ông mất tại nhà thì báo tử ở đâu", ["where"]),
        ("làm khai sinh ở xã nào", ["where"]),
        ("phải nộp những khoản tiền gì", ["fee", "documents"]),
        ("lam ho chieu ton bao nhieu tien", ["fee"]),
        ("khai ở nhà qua app được không", ["online"]),
    ],
)
def test_aspects_in_free_text(text, expected):
    assert aspects_in(text) == expected


def test_entity_values_count_and_unknown_values_are_ignored():
    assert aspects_in("", ["fee", "weather"]) == ["fee"]


def test_ended_discounts_are_not_shown_as_current(can_cuoc):
    assert "giảm 50%" in answer_aspect(can_cuoc, "fee", today=dt.date(2026, 11, 24))
    assert "giảm 50%" not in answer_aspect(can_cuoc, "fee", today=dt.date(2027, 1, 1))


def test_card_fits_a_phone_screen(can_cuoc):
    text = procedure_text(can_cuoc, [], [])
    assert "7 ngày làm việc" in text and "Nguồn:" in text
    assert len(text) < 700 and card(can_cuoc) in text


def test_follow_up_buttons_skip_what_was_shown_and_fit_messenger(can_cuoc):
    buttons = follow_up_buttons(can_cuoc.id, ["time"])
    assert all("time" not in b["payload"] for b in buttons)
    assert all(len(b["title"]) <= 20 for b in buttons) and len(buttons) <= 4
    assert '"procedure": "cap-the-can-cuoc"' in buttons[0]["payload"]


def test_abbreviated_procedure_names_are_found():
    from knowledge.catalog import default_matcher

    assert default_matcher().find("hộ kd đk ở đâu ad").id == "dang-ky-ho-kinh-doanh"
    assert default_matcher().find("gplx het han").id == "doi-giay-phep-lai-xe"
