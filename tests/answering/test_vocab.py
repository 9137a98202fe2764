"""Which words of a question carry its subject (answering.vocab), without an index."""
import pytest

from answering.vocab import who_and_where, words


def subject(question: str) -> list:
    asked = words(question)
    return [asked.flat[i] for i in asked.content]


def test_an_abbreviation_expanded_with_accents_leaves_an_accent_free_question_accent_free():
    # "hong" is teen code for "không": expanding it must not make "thi" (thì) read as "thi" (an exam)
    asked = words("xe bi hong phanh sau thi sua o dau")
    assert not asked.accented
    assert "thi" not in subject("xe bi hong phanh sau thi sua o dau")
    assert words("xe bị hỏng phanh").accented


def test_a_word_typed_with_accents_that_make_it_generic_is_not_a_subject():
    assert subject("Đợi mấy hôm thì có kết quả?") == []
    assert subject("doi bang lai mat bao lau") == ["doi", "bang"]  # accent-free "doi" may be "đổi"


def test_filler_words_carry_no_subject():
    assert subject("khoảng mấy ngày thì lấy được, hết hạn rồi có sao không") == []


def test_who_and_where_are_the_situation():
    asked = words("Mẹ tôi ở Cần Thơ muốn làm sổ hộ nghèo")
    situation = {asked.flat[i] for i in who_and_where(asked)}
    assert situation == {"me", "can", "tho"}


def test_where_the_citizen_does_it_from_is_the_online_aspect_not_a_subject():
    assert subject("cai nay ngoi nha lam tren mang duoc khong ad") == []
    assert subject("làm trên điện thoại được không hay phải lên sở") == ["so"]
    # a phone that is itself the subject stays one
    assert "dien" in subject("mất điện thoại thì khóa tài khoản thế nào")


def test_preparing_and_standing_in_for_are_not_subjects():
    assert subject("Người đứng ra làm cần chuẩn bị sẵn giấy tờ nào?") == []
    assert subject("vợ chồng ở hai xã khác nhau") == ["vo", "chong", "hai", "xa"]
    assert "san" in subject("nghi thai san duoc bao lau")  # accent-free "san" may be "sản"


def test_gd_is_gia_dinh():
    assert subject("mua bhyt theo hộ gđ") == ["mua", "hiem", "y", "te", "ho", "gia", "dinh"]


@pytest.mark.parametrize("question, shifted", [
    ("toi dang thue nha o binh duong", []),
    ("thue tro o thu duc", []),
    ("nop thue ho kinh doanh", ["thue"]),
    ("cho thue nha phai nop thue khong", ["thue"]),  # the second "thue" is the tax
    ("tôi đang thuê nhà, có phải nộp thuế không", ["thue"]),
])
def test_rent_is_not_tax_without_accents(question, shifted):
    from answering.vocab import shift_positions, words

    asked = words(question)
    assert [asked.flat[i] for i in sorted(shift_positions(asked))] == shifted
