"""Mask personal data (ID numbers, phone numbers, emails, bank account numbers) in text before it
is stored or logged.

What stays: dates (01/07/2025, 01.07.2025), procedure codes (1.004873), amounts (200.000đ,
1.000.000.000 đồng), durations (7 ngày), hotlines (1900 0368, 18001096), short numbers.
"""
from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# an amount of money right after a number: never a personal number
_MONEY = r"(?!\s?(?:đ|₫|vnđ|vnd|đồng|dong|triệu|tỷ|nghìn|ngàn|k\b))"
# Căn cước / CCCD: 12 digits (possibly grouped by spaces or dots); CMND: 9 digits.
ID_NUMBER = re.compile(r"(?<![\w.,])(?:\d[\s.]?){11}\d(?![\w]|[.,]\d)" + _MONEY, re.IGNORECASE)
CMND = re.compile(r"(?<![\w.,])\d{9}(?![\w]|[.,]\d)" + _MONEY, re.IGNORECASE)
# Vietnamese mobile/landline: 0 or +84/84 then 9-10 digits, allowing spaces, dots or dashes.
PHONE = re.compile(r"(?<![\w.,])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\w]|[.,]\d)" + _MONEY, re.IGNORECASE)
# Bank account numbers: after a word that announces one (stk, số tài khoản, tk, account), 6 to 19
# digits (possibly grouped); anywhere else, an unbroken run of 10 to 19 digits.
ACCOUNT_AFTER_WORD = re.compile(
    r"(?i)(\b(?:stk|số\s+tài\s+khoản|so\s+tai\s+khoan|tài\s+khoản|tai\s+khoan|tk|account)\b\s*(?:số|so|là|la|:|#)?\s*:?\s*)"
    r"(\d(?:[\s\-]?\d){5,18})(?![\w])"
)
LONG_NUMBER = re.compile(r"(?<![\w.,])\d{10,19}(?![\w]|[.,]\d)" + _MONEY, re.IGNORECASE)

LABELS = ("[email]", "[số giấy tờ]", "[số điện thoại]", "[số tài khoản]")


def redact(text: str) -> str:
    if not text:
        return text
    text = EMAIL.sub("[email]", text)
    text = ACCOUNT_AFTER_WORD.sub(lambda m: m.group(1) + "[số tài khoản]", text)
    text = ID_NUMBER.sub("[số giấy tờ]", text)
    text = PHONE.sub("[số điện thoại]", text)
    text = CMND.sub("[số giấy tờ]", text)
    text = LONG_NUMBER.sub("[số tài khoản]", text)
    return text


# "gọi lại 0912 345 678": a contact given on purpose for a call-back, the one number kept unmasked
CALLBACK = re.compile(r"^\s*(?:xin\s+|hãy\s+|vui\s+lòng\s+)?(?:gọi\s+lại|goi\s+lai|liên\s+hệ\s+lại|lien\s+he\s+lai)\b", re.IGNORECASE)


def callback_contact(text: str) -> str | None:
    """The phone number or email in a message that starts by asking for a call-back ("gọi lại
    0912 345 678", "liên hệ lại an@example.vn"); None for any other message."""
    if not text or not CALLBACK.match(text):
        return None
    found = PHONE.search(text) or EMAIL.search(text)
    return found.group(0).strip() if found else None


def redact_with_flag(text: str) -> tuple[str, bool]:
    """(the masked text, whether anything was masked)."""
    masked = redact(text)
    return masked, masked != text
