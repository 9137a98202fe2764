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
        ("văn bản đó chứng thực ở xã được không", ["where"]),
        ("làm ở đây được không hay phải về quê", ["where"]),
        ("đăng ký ở quê hay đăng ký chỗ đang làm", ["where"]),  # a choice between two places
        ("khai với công an bằng cách nào", ["steps"]),
        ("giấy đó xin thế nào", ["steps"]),
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


def _similarity_of(scores):
    """A stand-in for the encoder's reading of the lines: a fixed score per line text (0.5 else)."""
    return lambda texts: [scores.get(t, 0.5) for t in texts]


def test_lines_the_encoder_reads_closest_follow_the_lines_found_by_words(can_cuoc):
    from answering.facts import LEAD_LINES, READ_LINES, lead_facts, procedure_facts

    facts = procedure_facts(can_cuoc)
    names = [can_cuoc.name, *can_cuoc.aliases]
    by_words = lead_facts("làm căn cước cho con dưới 6 tuổi có cần đưa con đi không", facts, names)
    favoured = {f.text: 0.9 - i / 100 for i, f in enumerate(reversed(facts))}  # the last lines read closest
    found = lead_facts("làm căn cước cho con dưới 6 tuổi có cần đưa con đi không", facts, names, similarity=_similarity_of(favoured))
    assert found[: len(by_words)] == by_words and not any(f.read for f in by_words)
    read = found[len(by_words):]
    assert read and all(f.read for f in read) and len(read) <= READ_LINES and len(found) <= LEAD_LINES
    assert read[0].text == next(f.text for f in reversed(facts) if f.text not in {g.text for g in by_words})
    # a line the aspect answer already shows is not read again; nothing is read when only the record is named
    shown = read[0].text
    again = lead_facts("làm căn cước cho con dưới 6 tuổi có cần đưa con đi không", facts, names, shown=shown, similarity=_similarity_of(favoured))
    assert shown not in [f.text for f in again]
    assert lead_facts("căn cước", facts, names, similarity=_similarity_of(favoured)) == []


def test_read_lines_come_after_who_handles_it_and_are_cut_first(can_cuoc):
    from answering.facts import Fact

    read = [Fact("step", "Một dòng đọc được " + "x" * 60, 0.9, read=True)]
    text = procedure_text(can_cuoc, ["fee"], read)
    assert text.index("🏢 Cơ quan giải quyết") < text.index("Một dòng đọc được") < text.index("Nguồn:")
    # with only read lines and no aspect asked, the short card still answers first
    text = procedure_text(can_cuoc, [], read)
    assert card(can_cuoc) in text and text.index("7 ngày làm việc") < text.index("Một dòng đọc được")
    assert text.count(can_cuoc.authority) == 1  # the card says who handles it; no second line
    long = [Fact("step", f"Dòng đọc thứ {i} " + "y" * 450, 0.9, read=True) for i in range(2)]
    text = procedure_text(can_cuoc, ["fee", "documents"], long)
    assert "Dòng đọc thứ" not in text and "Lệ phí" in text and "Giấy tờ" in text and "Nguồn:" in text


def test_a_guide_leads_with_its_short_answer_before_the_lines_the_encoder_read():
    from answering.compose import document_text
    from answering.facts import Fact
    from knowledge.documents import load_documents

    doc = next(d for d in load_documents().values() if d.lead and len(d.lead) < 300)
    by_words = Fact("body", "Dòng tìm thấy theo từ")
    read = Fact("body", "Dòng đọc được theo nghĩa", 0.9, read=True)
    text = document_text(doc, [read, by_words], "2026-12-01")
    assert text.index("Dòng tìm thấy theo từ") < text.index(doc.lead) < text.index("Dòng đọc được theo nghĩa")
