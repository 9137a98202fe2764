"""Mask personal data (ID numbers, phone numbers, emails) in text before it is stored or logged."""
from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Vietnamese mobile/landline: 0 or +84/84 then 9-10 digits, allowing spaces, dots or dashes.
PHONE = re.compile(r"(?<![\w])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\w])")
# Căn cước / CCCD: 12 digits; CMND: 9 digits (possibly grouped by spaces).
ID_NUMBER = re.compile(r"(?<![\w])(?:\d[\s.]?){11}\d(?![\w])|(?<![\w])\d{9}(?![\w])")


def redact(text: str) -> str:
    if not text:
        return text
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub("[số điện thoại]", text)
    text = ID_NUMBER.sub("[số giấy tờ]", text)
    return text
