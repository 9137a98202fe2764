"""Vietnamese text normalisation, used wherever text enters (channels, CLI, documents).

- `normalize_text`: what the channel layer applies before Rasa sees a message: Unicode NFC,
  one tone-mark convention (the modern one: hòa, thủy, khỏe), control characters removed,
  whitespace collapsed. It never changes letters otherwise.
- `strip_accents`: an accent-free, lowercase form for matching ("Đăng ký" -> "dang ky").
"""
from __future__ import annotations

import re
import unicodedata

# Old-style placement puts the tone on the second vowel of open "oa", "oe", "uy" syllables
# (hoà, khoẻ, thuỷ); the modern style puts it on the first (hòa, khỏe, thủy). A syllable with a
# final consonant (hoàng, thuyền) is the same in both styles, and so is "qu" + y (quý).
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_OLD_STYLE = re.compile(
    r"(?<![qQ])([oO])([aAeE])([" + _TONES + r"])(?![\w])|(?<![qQ])([uU])([yY])([" + _TONES + r"])(?![\w])"
)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_WHITESPACE = re.compile(r"\s+")


def _modern_tone(match: re.Match) -> str:
    if match.group(1):
        return match.group(1) + match.group(3) + match.group(2)
    return match.group(4) + match.group(6) + match.group(5)


def normalize_tone_marks(text: str) -> str:
    """Move tone marks to the modern convention. Input and output are NFC."""
    decomposed = unicodedata.normalize("NFD", text)
    # In NFD a vowel with a hat/horn carries that mark first; only plain o/a/e/u/y matter here.
    return unicodedata.normalize("NFC", _OLD_STYLE.sub(_modern_tone, decomposed))


def normalize_text(text: str) -> str:
    """Edge normalisation for an incoming message (keeps case and letters)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    text = normalize_tone_marks(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def strip_accents(text: str) -> str:
    """Lowercase, accent-free form: 'Đăng ký Khai sinh' -> 'dang ky khai sinh'."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _WHITESPACE.sub(" ", text).strip()


# What citizens type -> what they mean. Whole tokens only, matched case-insensitively and
# without accents ("đk" and "dk" are the same key). Keep entries unambiguous in this domain.
ABBREVIATIONS = {
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh nhân dân",
    "dvc": "dịch vụ công",
    "dvctt": "dịch vụ công trực tuyến",
    "gplx": "giấy phép lái xe",
    "lltp": "lý lịch tư pháp",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "gcn": "giấy chứng nhận",
    "qsdd": "quyền sử dụng đất",
    "gpxd": "giấy phép xây dựng",
    "hkd": "hộ kinh doanh",
    "ubnd": "ủy ban nhân dân",
    "tthc": "thủ tục hành chính",
    "k": "không",
    "ko": "không",
    "hok": "không",
    "hong": "không",
    "khum": "không",
    "j": "gì",
    "ntn": "như thế nào",
    "dk": "đăng ký",
    "sdt": "số điện thoại",
    "mk": "mật khẩu",
    "tk": "tài khoản",
    "dc": "được",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "ng": "người",
    "vs": "với",
    "trc": "trước",
    "ms": "mới",
    "lm": "làm",
    "nx": "nữa",
    "mn": "mọi người",
    "ad": "admin",
    "e": "em",
    "oy": "rồi",
    "r": "rồi",
    "z": "vậy",
    "sđt": "số điện thoại",
    "đk": "đăng ký",
    "đc": "được",
}
_ABBREV_KEYS = {strip_accents(k): v for k, v in ABBREVIATIONS.items()}
_TOKEN = re.compile(r"\w+", re.UNICODE)


def expand_abbreviations(text: str) -> str:
    """'cccd ko dk dc j' -> 'căn cước công dân không đăng ký được gì' (other words untouched)."""

    def replace(match: re.Match) -> str:
        word = match.group(0)
        return _ABBREV_KEYS.get(strip_accents(word), word)

    return _TOKEN.sub(replace, text)


def search_form(text: str) -> str:
    """The form used for matching: normalised, abbreviations expanded, lowercase, no accents."""
    return strip_accents(expand_abbreviations(normalize_text(text)))


def normalize_for_nlu(text: str) -> str:
    """Normalised text with abbreviations expanded (case kept). Not used before Rasa: the NLU
    is trained on raw abbreviations and measured better on them (entity F1 0.79 vs 0.52 on
    abbreviated test sentences); retrieval and the aspect/procedure matchers expand them."""
    return expand_abbreviations(normalize_text(text))
