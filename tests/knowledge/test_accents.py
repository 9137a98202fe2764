"""Accents put back on a question typed without any (knowledge/accents.py), for the encoder."""
import pytest

from knowledge.accents import model, restore
from knowledge.normalize import has_marks


@pytest.mark.parametrize("typed, expected", [
    ("lam can cuoc mat bao lau", "làm căn cước mất bao lâu"),
    ("toi muon dang ky ket hon thi can giay to gi", "tôi muốn đăng ký kết hôn thì cần giấy tờ gì"),
    ("Muon lam ho chieu, het bao nhieu tien?", "Muốn làm hộ chiếu, hết bao nhiêu tiền?"),  # case and punctuation kept
    ("thu tuc nay mat bao lau", "thủ tục này mất bao lâu"),
    ("bao lau thi lam xong ho chieu", "bao lâu thì làm xong hộ chiếu"),  # a rare first form ("bão") does not win
])
def test_accents_come_back_from_the_knowledges_own_words(typed, expected):
    assert restore(typed) == expected


def test_what_has_any_accent_or_no_word_is_left_as_typed():
    for text in ("làm can cuoc mat bao lau", "Làm căn cước", "", "0912 345 678", "???"):
        assert restore(text) == text
    assert has_marks("lam căn cuoc") and not has_marks("lam can cuoc 2025")


def test_digits_and_unknown_words_stay():
    assert restore("cccd 012345678901 het han") == "cccd 012345678901 hết hạn"
    assert restore("zxqv lam ho chieu") == "zxqv làm hộ chiếu"


def test_the_model_reads_only_accented_clauses():
    """An accent-free alias list ("lam can cuoc, can cuoc") is not taken as how the words are written."""
    forms = model().forms
    assert "cuoc" not in forms["cuoc"] and "tuc" not in forms["tuc"] and "giay" not in forms["giay"]
    assert forms["cuoc"].most_common(1)[0][0] == "cước" and "căn" in forms["can"]
