"""Personal numbers masked, everyday numbers of the domain kept (common.redact)."""
import pytest

from common.redact import redact, redact_with_flag

MASKED = [
    ("Số CCCD của tôi là 001099012345", "001099012345", "[số giấy tờ]"),
    ("cccd 001 099 012 345 nhé", "001 099 012 345", "[số giấy tờ]"),
    ("CMND cũ 123456789", "123456789", "[số giấy tờ]"),
    ("gọi cho tôi 0912345678", "0912345678", "[số điện thoại]"),
    ("sđt +84 912 345 678", "+84 912 345 678", "[số điện thoại]"),
    ("số 0912.345.678 ạ", "0912.345.678", "[số điện thoại]"),
    ("email nguyenvana@gmail.com", "nguyenvana@gmail.com", "[email]"),
    ("chuyển vào stk 19036512345017 Techcombank", "19036512345017", "[số tài khoản]"),
    ("số tài khoản: 0071 0001 23456", "0071 0001 23456", "[số tài khoản]"),
    ("tk 123456789012345", "123456789012345", "[số tài khoản]"),
    ("hoàn tiền về 1903651234501799", "1903651234501799", "[số tài khoản]"),
]

KEPT = [
    "Thủ tục 1.004873 cấp thẻ căn cước",
    "lệ phí 200.000đ",
    "lệ phí 200.000 đồng",
    "mức phạt 1.000.000.000 đồng",
    "mức phạt 100.000.000.000 đồng",
    "trả kết quả trong 7 ngày làm việc",
    "hẹn ngày 01/07/2025",
    "hẹn ngày 01.07.2025",
    "ngày 1-7-2025",
    "gọi tổng đài 1900 0368 hoặc 18001096",
    "mã hồ sơ G22.99-250101-0001",
    "năm 2024 tôi 35 tuổi",
    "/rate_good",
]


@pytest.mark.parametrize("text,secret,label", MASKED)
def test_personal_numbers_are_masked(text, secret, label):
    clean, masked = redact_with_flag(text)
    assert masked and secret not in clean and label in clean, clean


@pytest.mark.parametrize("text", KEPT)
def test_everyday_numbers_are_kept(text):
    assert redact(text) == text
    assert redact_with_flag(text) == (text, False)


def test_several_kinds_in_one_message():
    text = "CCCD 001099012345, sđt 0987654321, mail a.b@x.vn"
    clean = redact(text)
    assert clean == "CCCD [số giấy tờ], sđt [số điện thoại], mail [email]"
    assert redact(clean) == clean  # idempotent
