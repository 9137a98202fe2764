import unicodedata

import pytest

from knowledge.normalize import normalize_text, strip_accents


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Hoà Bình", "Hòa Bình"),
        ("thuỷ điện", "thủy điện"),
        ("sức khoẻ", "sức khỏe"),
        ("tuỳ", "tùy"),
        ("HOÀ", "HÒA"),
        ("hoàng", "hoàng"),  # a final consonant: same in both conventions
        ("quý", "quý"),  # "qu" + y keeps the mark on y
        ("thuyền", "thuyền"),
        ("khuỷu tay", "khuỷu tay"),
    ],
)
def test_one_tone_mark_convention(raw, expected):
    assert normalize_text(raw) == expected


def test_decomposed_input_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Căn cước")
    assert decomposed != "Căn cước"
    assert normalize_text(decomposed) == "Căn cước"


def test_whitespace_and_control_characters():
    assert normalize_text("  làm\u200b  căn\tcước \r\n\n bao lâu  ") == "làm căn cước\nbao lâu"
    assert normalize_text("") == "" and normalize_text(" \n ") == ""


@pytest.mark.parametrize(
    "raw, expected",
    [("Đăng ký Khai sinh", "dang ky khai sinh"), ("Hộ chiếu\nphổ thông", "ho chieu pho thong"), ("đ Đ", "d d")],
)
def test_strip_accents(raw, expected):
    assert strip_accents(raw) == expected


from knowledge.normalize import expand_abbreviations, search_form  # noqa: E402


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("cccd ko dk dc j", "căn cước công dân không đăng ký được gì"),
        ("E muốn hỏi đk kết hôn ntn", "em muốn hỏi đăng ký kết hôn như thế nào"),
        ("quên mk tk vneid", "quên mật khẩu tài khoản vneid"),
        ("đổi gplx hết bn tiền", "đổi giấy phép lái xe hết bao nhiêu tiền"),
        ("lệ phí 200k", "lệ phí 200k"),  # "k" inside a number is not "không"
        ("đóng bhtn mấy năm thì đc tctn", "đóng bảo hiểm thất nghiệp mấy năm thì được trợ cấp thất nghiệp"),
        ("tra mst cá nhân, đky nvqs", "tra mã số thuế cá nhân, đăng ký nghĩa vụ quân sự"),
        ("Hộ chiếu", "Hộ chiếu"),
        ("chưa làm giấy ks, giờ đi đki", "chưa làm giấy khai sinh, giờ đi đăng ký"),
        ("ở ks có phải báo lưu trú ko", "ở ks có phải báo lưu trú không"),  # a hotel, not khai sinh
        ("bị tnlđ lúc đi xklđ", "bị tai nạn lao động lúc đi xuất khẩu lao động"),
        ("bà nội e 79t rồi", "bà nội em 79 tuổi rồi"),  # an age written short
        ("xe tải 5t chở hàng", "xe tải 5t chở hàng"),  # a load is not an age
    ],
)
def test_abbreviations_are_expanded_as_whole_words(raw, expected):
    assert expand_abbreviations(raw) == expected


def test_search_form_makes_accented_accentless_and_abbreviated_forms_meet():
    forms = ["Đăng ký căn cước công dân không được", "dang ky can cuoc cong dan khong duoc", "dk cccd ko dc"]
    assert len({search_form(f) for f in forms}) == 1


@pytest.mark.parametrize(
    "query, term",
    [
        ("lấy vợ cần giấy tờ gì", "đăng ký kết hôn"),
        ("lay vo can giay to gi", "đăng ký kết hôn"),
        ("làm passport ở đâu", "hộ chiếu"),
        ("bìa đỏ bị mất thì làm sao", "sổ đỏ giấy chứng nhận quyền sử dụng đất"),
        ("e muốn làm tk định danh mức 2", "VNeID định danh điện tử"),
        ("ma xac thuc khong ve", "mã OTP"),
        ("nộp tiền online thế nào", "thanh toán lệ phí"),
        ("nộp tiền online thế nào", "trực tuyến"),
        ("bên Hàn đòi giấy chứng minh tôi chưa từng lấy vợ", "xác nhận tình trạng hôn nhân độc thân"),
        ("chi gai toi khong muon nhan phan dat bo de lai", "từ chối nhận di sản"),
        ("họ hàng dưới quê lên ngủ lại nhà tôi ba hôm", "thông báo lưu trú"),
    ],
)
def test_thesaurus_adds_the_knowledge_words_for_everyday_words(query, term):
    from knowledge.normalize import expand_query, thesaurus_terms

    assert term in thesaurus_terms(query)
    assert expand_query(query).startswith(query + "\n")  # what was typed stays first


@pytest.mark.parametrize(
    "query, absent",
    [
        ("Tôi muốn xóa hồ sơ đó đi", "sổ đỏ giấy chứng nhận quyền sử dụng đất"),  # hồ sơ đó ≠ sổ đỏ
        ("Đổi sổ đỏ mất mấy ngày", "mất điện thoại khóa tài khoản"),  # mất mấy ≠ mất máy
    ],
)
def test_thesaurus_uses_the_accents_the_citizen_typed(query, absent):
    from knowledge.normalize import thesaurus_terms

    assert absent not in thesaurus_terms(query)


def test_thesaurus_leaves_plain_questions_alone():
    from knowledge.normalize import expand_query, thesaurus_terms

    assert expand_query("xin chào") == "xin chào"
    assert thesaurus_terms("đăng ký kết hôn ở đâu") == []  # already in the knowledge's words


def test_everyday_loanwords_and_shorthand_are_expanded():
    from knowledge.normalize import expand_abbreviations

    assert expand_abbreviations("check hs trên app") == "kiểm tra hồ sơ trên ứng dụng"
    assert expand_abbreviations("cty có lđ nước ngoài") == "công ty có lao động nước ngoài"


def test_a_vowel_with_a_breve_or_hat_under_a_dot_is_left_alone():
    from knowledge.normalize import normalize_text

    assert normalize_text("hoặc") == "hoặc" and normalize_text("Hoặc thoả") == "Hoặc thỏa"
