"""Vietnamese text normalisation, used wherever text enters (channels, CLI, documents).

- `normalize_text`: what the channel layer applies before Rasa sees a message: Unicode NFC,
  one tone-mark convention (the modern one: hòa, thủy, khỏe), control characters removed,
  whitespace collapsed. It never changes letters otherwise.
- `strip_accents`: an accent-free, lowercase form for matching ("Đăng ký" -> "dang ky").
- `search_form` (BM25, matchers) strips accents; `dense_form` (the multilingual encoder) keeps them.
"""
from __future__ import annotations

import functools
import re
import unicodedata

# Old-style placement puts the tone on the second vowel of open "oa", "oe", "uy" syllables
# (hoà, khoẻ, thuỷ); the modern style puts it on the first (hòa, khỏe, thủy). A syllable with a
# final consonant (hoàng, thuyền) is the same in both styles, and so is "qu" + y (quý). In NFD a
# dot below sorts before a breve or hat, so "hoặc" is o, a, dot, breve: a mark after the tone
# means the vowel is not a plain one and the syllable is left alone.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_OLD_STYLE = re.compile(
    r"(?<![qQ])([oO])([aAeE])([" + _TONES + r"])(?![\w\u0300-\u036f])|"
    r"(?<![qQ])([uU])([yY])([" + _TONES + r"])(?![\w\u0300-\u036f])"
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


def has_marks(text: str) -> bool:
    """Whether the text carries any Vietnamese mark (a tone, a vowel mark or đ)."""
    lowered = (text or "").lower()
    return "đ" in lowered or any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", lowered))


@functools.lru_cache(maxsize=65536)  # pure, and called on the same words many times a turn
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
    "kd": "kinh doanh",
    "gpkd": "giấy phép kinh doanh",
    "xnc": "xuất nhập cảnh",
    "gks": "giấy khai sinh",
    "hs": "hồ sơ",
    "kq": "kết quả",
    "tc": "trợ cấp",
    "hk": "hộ khẩu",
    "ck": "chuyển khoản",
    "tg": "thời gian",
    "ttphcc": "trung tâm phục vụ hành chính công",
    "bpmc": "bộ phận một cửa",
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
    # everyday loanwords and shorthand
    "check": "kiểm tra",
    "app": "ứng dụng",
    "acc": "tài khoản",
    "pass": "mật khẩu",
    "password": "mật khẩu",
    "update": "cập nhật",
    "cty": "công ty",
    "lđ": "lao động",
    "xd": "xây dựng",
    "oto": "ô tô",
    "cq": "cơ quan",
    "gđ": "gia đình",  # "mua bhyt theo hộ gđ"
    "gp": "giấy phép",  # "xin gp bán rượu"
    "bhtn": "bảo hiểm thất nghiệp",
    "tctn": "trợ cấp thất nghiệp",
    "nvqs": "nghĩa vụ quân sự",
    "tnlđ": "tai nạn lao động",
    "xklđ": "xuất khẩu lao động",
    "mst": "mã số thuế",
    "dkkd": "đăng ký kinh doanh",
    "dky": "đăng ký",
    "đki": "đăng ký",
    "csgt": "cảnh sát giao thông",
    "tncn": "thu nhập cá nhân",
    "cx": "cũng",
}
_ABBREV_KEYS = {strip_accents(k): v for k, v in ABBREVIATIONS.items()}
_TOKEN = re.compile(r"\w+", re.UNICODE)


# "ks" is khai sinh only after a word that says a paper or registering ("giấy ks", "làm ks"): alone
# it is as often a hotel ("ở ks có phải báo lưu trú")
_KHAI_SINH = re.compile(r"(?<!\w)(giấy|giay|làm|lam|đk|dk|đki|dki|đăng ký|dang ky|bản sao|ban sao|trích lục|trich luc|khai) ks(?!\w)",
                        re.IGNORECASE)


# an age written short ("mẹ em 68t", "đủ 17t"), never a load or a sum ("xe 5t", "vay 3t")
_AGE = re.compile(r"(?<!\w)(?<!xe )(?<!tải )(?<!tai )(?<!vay )(?<!nợ )(?<!no )(\d{1,3})t(?!\w)", re.IGNORECASE)


def expand_abbreviations(text: str) -> str:
    """'cccd ko dk dc j' -> 'căn cước công dân không đăng ký được gì' (other words untouched)."""

    def replace(match: re.Match) -> str:
        word = match.group(0)
        return _ABBREV_KEYS.get(strip_accents(word), word)

    text = _AGE.sub(r"\1 tuổi", _KHAI_SINH.sub(r"\1 khai sinh", text))
    return _TOKEN.sub(replace, text)


@functools.lru_cache(maxsize=16384)  # pure, and called on the same texts many times a turn
def search_form(text: str) -> str:
    """The form used for matching: normalised, abbreviations expanded, lowercase, no accents."""
    return strip_accents(expand_abbreviations(normalize_text(text)))


def dense_form(text: str) -> str:
    """The form the multilingual dense encoder reads: normalised (NFC, one tone-mark
    convention), abbreviations expanded, accents and case kept as typed ("cccd hết hạn" ->
    "căn cước công dân hết hạn"; an accentless question stays accentless)."""
    return expand_abbreviations(normalize_text(text))


def normalize_for_nlu(text: str) -> str:
    """Normalised text with abbreviations expanded (case kept). Not used before Rasa: the NLU
    is trained on raw abbreviations and measured better on them (entity F1 0.79 vs 0.52 on
    abbreviated test sentences); retrieval and the aspect/procedure matchers expand them."""
    return expand_abbreviations(normalize_text(text))


# Domain thesaurus for query expansion: everyday words citizens use -> the words the knowledge
# is written in. Matched on the accent-free search form as whole phrases; the canonical terms
# are appended to the query (never replacing what was typed), for BM25 and the dense encoder.
# Keep entries general (how people talk about these services), not tuned to any test question.
# "chồng Hàn", "quốc tịch Đài Loan", "bạn trai người Nhật": a spouse or partner of another nationality
# (answering.choose reads the same countries for a foreign element asked)
NATIONALITIES = ("hàn", "hàn quốc", "trung quốc", "đài loan", "nhật", "nhật bản", "mỹ", "úc", "lào", "campuchia",
                  "thái lan", "pháp", "đức", "nga", "singapore", "malaysia", "indonesia", "philippines", "ấn độ",
                  "canada", "hồng kông", "hà lan", "thụy điển", "na uy", "ba lan", "séc", "ucraina")
_FOREIGN_SPOUSES = tuple(f"{who} {country}" for who in ("quốc tịch", "chồng", "vợ", "bạn trai", "bạn gái", "chồng người",
                                                        "vợ người", "anh người", "chị người", "em người")
                         for country in NATIONALITIES)
THESAURUS = [
    (("tài khoản định danh", "định danh điện tử", "app định danh", "ứng dụng định danh", "định danh mức", "tk định danh"), "VNeID định danh điện tử"),
    (("bìa đỏ", "bìa hồng", "sổ hồng", "sổ đỏ", "giấy đỏ"), "sổ đỏ giấy chứng nhận quyền sử dụng đất"),
    (("passport", "pasport", "hộ chiếu"), "hộ chiếu"),
    (("lấy vợ", "lấy chồng", "cưới vợ", "cưới chồng", "đám cưới", "cưới nhau", "kết hôn", "hôn thú"), "đăng ký kết hôn"),
    (("bằng lái", "bằng xe", "giấy phép lái xe"), "giấy phép lái xe"),
    (("giấy khai sinh", "mới sinh", "sinh con", "vừa sinh", "em bé", "con nhỏ"), "đăng ký khai sinh"),
    (("qua đời", "báo tử", "chứng tử", "đã mất", "vừa mất", "người chết", "bị chết"), "đăng ký khai tử"),
    (("hộ khẩu", "nhập khẩu", "chuyển khẩu"), "đăng ký thường trú hộ khẩu"),
    (("ở trọ", "thuê trọ", "nhà trọ", "phòng trọ", "thuê nhà", "ở nhờ"), "đăng ký tạm trú"),
    (("mã xác thực", "mã xác nhận", "mã kích hoạt", "mã gửi về điện thoại", "mã số gửi qua tin nhắn", "otp"), "mã OTP"),
    (("app", "application", "phần mềm"), "ứng dụng"),
    (("web", "website", "trang mạng", "đường link", "link"), "trang web"),
    (("online", "onl", "trên mạng", "qua mạng", "qua internet", "làm tại nhà", "làm ở nhà", "trên điện thoại"), "trực tuyến"),
    (("mất tiền", "tốn tiền", "tốn bao nhiêu", "hết bao nhiêu tiền", "chi phí", "bao nhiêu tiền", "mấy tiền", "tiền phí"), "lệ phí"),
    (("bao lâu", "mấy ngày", "bao nhiêu ngày", "bao giờ có", "khi nào có", "khi nào xong", "bao giờ xong", "mấy hôm"), "thời gian giải quyết"),
    (("giấy tờ gì", "mang theo gì", "mang gì", "cần những gì", "cần gì", "hồ sơ gồm", "chuẩn bị gì", "cần giấy gì"), "giấy tờ cần chuẩn bị"),
    (("bị lừa", "lừa tiền", "giả danh", "mạo danh", "giả mạo", "scam", "đáng ngờ", "lừa đảo"), "lừa đảo giả mạo"),
    (("hotline", "đường dây nóng", "số hỗ trợ", "gọi cho ai", "gọi số nào", "gọi đâu"), "tổng đài hỗ trợ"),
    (("đóng tiền", "nộp tiền", "đóng phí", "trả phí", "nộp phí"), "thanh toán lệ phí"),
    (("không vào được", "ko vào được", "không truy cập được", "bị lỗi", "báo lỗi", "bị treo", "đứng hình"), "lỗi không đăng nhập được"),
    (("pass", "password", "mật mã"), "mật khẩu"),
    (("đổi máy", "máy mới", "điện thoại mới", "thay điện thoại"), "đổi điện thoại mới đăng nhập"),
    (("đổi số", "số mới", "thay sim", "đổi sim", "mất sim"), "đổi số điện thoại"),
    (("ship", "chuyển phát", "gửi về nhà", "giao tận nhà", "giao về nhà", "nhận tại nhà", "qua bưu điện"), "bưu chính bưu điện"),
    (("hồ sơ tới đâu", "hồ sơ đến đâu", "tra cứu hồ sơ", "xem hồ sơ", "kiểm tra hồ sơ", "tình trạng hồ sơ"), "theo dõi hồ sơ đã nộp tra cứu"),
    (("rút bảo hiểm", "rút bhxh", "rút sổ bảo hiểm", "bảo hiểm một lần", "chốt sổ"), "hưởng bảo hiểm xã hội một lần"),
    (("mất việc", "nghỉ việc", "thất nghiệp", "bị sa thải"), "trợ cấp thất nghiệp"),
    # the cost of a funeral, as people say it ("tiền lo đám cho ông")
    (("lo đám", "tiền đám", "đám tang", "đám ma", "ma chay", "tang lễ", "chôn cất", "lo hậu sự", "tiền hậu sự", "tiền tang"), "mai táng"),
    (("người già", "cao tuổi", "không có lương hưu", "không lương hưu", "chưa có lương hưu", "không được hưởng lương hưu", "không hưởng lương hưu", "ông bà già"), "trợ cấp hưu trí xã hội người cao tuổi"),
    (("thẻ bảo hiểm", "thẻ bảo hiểm y tế", "thẻ khám bệnh"), "thẻ bảo hiểm y tế"),
    (("công chứng", "sao y", "photo công chứng"), "chứng thực bản sao"),
    (("xây nhà", "làm nhà", "sửa nhà", "cất nhà"), "giấy phép xây dựng nhà ở"),
    (("mua đất", "bán đất", "sang nhượng", "mua bán đất"), "chuyển nhượng quyền sử dụng đất sang tên"),
    (("thừa kế", "cho đất", "tặng đất", "để lại đất", "cho con đất"), "thừa kế tặng cho quyền sử dụng đất"),
    (("tách sổ", "chia đất", "tách đất", "gộp đất", "gộp sổ"), "tách thửa hợp thửa đất"),
    (("mua xe", "biển số", "bấm biển", "xe mới"), "đăng ký xe biển số"),
    (("bán xe",), "thu hồi đăng ký xe"),
    (("sang tên xe", "mua xe cũ", "mua lại xe", "xe cũ"), "sang tên xe"),
    (("mở quán", "mở tiệm", "mở cửa hàng", "buôn bán", "kinh doanh nhỏ", "giấy phép kinh doanh", "bán hàng"), "đăng ký hộ kinh doanh"),
    (("tiền án", "án tích", "lý lịch"), "lý lịch tư pháp"),
    (("chứng minh thư", "chứng minh nhân dân", "căn cước công dân"), "căn cước"),
    (("sáp nhập", "sắp xếp", "bỏ huyện", "không còn huyện", "hai cấp", "2 cấp"), "chính quyền hai cấp sau sắp xếp"),
    (("phạt nguội", "nộp phạt", "vi phạm giao thông"), "nộp phạt giao thông"),
    (("mất điện thoại", "bị trộm điện thoại", "rơi điện thoại"), "mất điện thoại khóa tài khoản"),
    (("đất nông nghiệp", "đất vườn", "lên thổ cư", "lên đất ở"), "chuyển mục đích sử dụng đất"),
    # being single, as people say it when a paper asks for proof ("chưa từng lấy chồng")
    (("giấy độc thân", "xác nhận độc thân", "chưa lấy chồng", "chưa lấy vợ", "chưa từng lấy chồng", "chưa từng lấy vợ",
      "chưa từng kết hôn", "chưa kết hôn", "còn độc thân", "chưa có gia đình", "chưa vợ", "chưa chồng"), "xác nhận tình trạng hôn nhân độc thân"),
    (("người đỡ đầu", "đỡ đầu", "người đại diện hợp pháp"), "giám hộ"),
    # an heir who gives up a share ("không nhận phần", "nhường hết cho em")
    (("không nhận phần", "không muốn nhận phần", "không lấy phần", "nhường phần", "nhường hết phần", "không nhận thừa kế", "không muốn nhận thừa kế",
      "khước từ"), "từ chối nhận di sản"),
    (("chia tài sản bố mẹ", "chia tài sản cha mẹ", "chia di sản", "chia thừa kế", "chia phần thừa kế", "họp gia đình chia"), "phân chia di sản thừa kế"),
    (("kinh doanh cá thể", "hộ cá thể", "giấy phép kinh doanh hộ"), "hộ kinh doanh"),
    (("tàn tật", "bị tật", "giấy khuyết tật"), "khuyết tật"),
    # guests who stay the night ("mẹ vợ lên ngủ lại mấy hôm")
    (("ngủ lại", "ở lại qua đêm", "ngủ qua đêm", "khách ở lại", "ở lại mấy hôm", "ở lại vài hôm"), "thông báo lưu trú"),
    # a nationality is a foreign element ("kết hôn với người Hàn Quốc")
    (("người hàn quốc", "người trung quốc", "người đài loan", "người nhật", "người nhật bản", "người mỹ", "người úc",
      "người lào", "người campuchia", "người thái lan", "người pháp", "người đức", "người nga", "người singapore",
      "người malaysia", "người indonesia", "người philippines", "người ấn độ", "người canada", "người hồng kông",
      "việt kiều", "quốc tịch nước ngoài", "ngoại quốc", "người tây", *_FOREIGN_SPOUSES), "người nước ngoài"),
]
_BOUNDARY = r"(?<!\w){}(?!\w)"


def _key(text: str) -> str:
    return expand_abbreviations(normalize_text(text)).lower()


def _compile_thesaurus():
    """Each entry is matched on accented text when the query has diacritics ("hồ sơ đó" is not
    "sổ đỏ", "mất mấy ngày" is not "mất máy"), and on the accent-free form otherwise."""
    compiled = []
    for variants, canonical in THESAURUS:
        accented = sorted({_key(v) for v in variants}, key=len, reverse=True)
        flat = sorted({strip_accents(v) for v in accented}, key=len, reverse=True)
        compiled.append((
            re.compile("|".join(_BOUNDARY.format(re.escape(k)) for k in accented)),
            re.compile("|".join(_BOUNDARY.format(re.escape(k)) for k in flat)),
            canonical,
            strip_accents(canonical),
        ))
    return compiled


_THESAURUS = _compile_thesaurus()


def thesaurus_terms(text: str) -> list:
    """Canonical terms for the everyday words in `text` ('lấy vợ' -> ['đăng ký kết hôn']),
    leaving out terms the text already contains."""
    key = _key(text or "")
    flat = strip_accents(key)
    typed = normalize_text(text or "").lower()  # marks the citizen typed (not the expansions')
    marked = has_marks(typed)
    terms = []
    for accented, plain, canonical, canonical_flat in _THESAURUS:
        found = accented.search(key) if marked else plain.search(flat)
        if found and canonical_flat not in flat and canonical not in terms:
            terms.append(canonical)
    return terms


def expand_query(text: str) -> str:
    """The query with its thesaurus terms appended (for retrieval; the original words stay)."""
    terms = thesaurus_terms(text)
    return f"{text}\n{' '.join(terms)}" if terms else text
