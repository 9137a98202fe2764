import datetime as dt

import pytest

from actions.aspects import answer_aspect, aspects_in, card
from actions.procedures import follow_up_buttons, procedure_reply
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
    text = procedure_reply(can_cuoc, [])
    assert "7 ngày làm việc" in text and "Nguồn:" in text
    assert len(text) < 700 and card(can_cuoc) in text


def test_follow_up_buttons_skip_what_was_shown_and_fit_messenger(can_cuoc):
    buttons = follow_up_buttons(can_cuoc, ["time"])
    assert all("time" not in b["payload"] for b in buttons)
    assert all(len(b["title"]) <= 20 for b in buttons) and len(buttons) <= 4
    assert '"procedure": "cap-the-can-cuoc"' in buttons[0]["payload"]


@pytest.mark.parametrize(
    "pid, question, expected",
    [
        ("doi-giay-phep-lai-xe", "đổi bằng lái ô tô có cần khám sức khỏe ko", "khám sức khỏe"),
        ("doi-giay-phep-lai-xe", "bằng hạng A1 cấp lâu rồi có hết hạn không", "không có thời hạn"),
        ("tro-cap-huu-tri-xa-hoi", "bao nhieu tuoi thi duoc huong tro cap huu tri xa hoi", "75 tuổi"),
        ("tach-ho", "tach ho phai dien to khai nao", "CT01"),
    ],
)
def test_the_specific_detail_asked_is_added_to_the_answer(pid, question, expected):
    proc = load_procedures()[pid]
    text = procedure_reply(proc, aspects_in(question), question)
    assert expected in text


@pytest.mark.parametrize(
    "question",
    ["làm căn cước mất bao lâu", "căn cước lệ phí bao nhiêu", "lam cccd o dau", "căn cước"],
)
def test_plain_aspect_questions_get_no_extra_detail(can_cuoc, question):
    aspects = aspects_in(question)
    assert procedure_reply(can_cuoc, aspects, question) == procedure_reply(can_cuoc, aspects)


def test_abbreviated_procedure_names_are_found():
    from knowledge.catalog import default_matcher

    assert default_matcher().find("hộ kd đk ở đâu ad").id == "dang-ky-ho-kinh-doanh"
    assert default_matcher().find("gplx het han").id == "doi-giay-phep-lai-xe"
