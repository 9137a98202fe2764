"""Procedures of the same name told apart by what the question asks (answering/choose.py QUALIFIERS),
also for the procedure in context, a shared name settled by the conversation, and who handles it kept
on a long card (answering/compose.py _fit).

The questions are written for these tests; the rules are checked with `verify=False` where the
verifier's doubt is not what is tested (the committed model decides doubts, tests/answering/test_verify.py)."""
import pytest

from answering import Context, answer
from answering.compose import MAX_CHARS, _fit
from answering.model import CLARIFY, PROCEDURE


def _after(*turns, verify=True):
    ctx = Context()
    for text in turns:
        reply = answer(text, ctx, verify=verify)
        ctx = reply.context
    return reply


@pytest.mark.parametrize("question, record", [
    ("tiệm tạp hóa nhà tôi có đăng ký hộ kinh doanh, giờ tôi muốn đóng cửa luôn thì báo ở đâu", "cham-dut-ho-kinh-doanh"),
    ("tiệm tạp hóa nhà tôi có đăng ký hộ kinh doanh, giờ muốn tạm nghỉ bán ba tháng thì báo ở đâu", "tam-ngung-ho-kinh-doanh"),
    ("tiệm tạp hóa nhà tôi có đăng ký hộ kinh doanh, giờ muốn đổi người đứng tên cho con thì làm sao", "thay-doi-noi-dung-ho-kinh-doanh"),
    ("giấy kết hôn của bố mẹ tôi bị cháy, xã cũng mất sổ lưu rồi, làm lại thế nào", "dang-ky-lai-ket-hon"),
    # a stop for a stated time is a pause, not an ending
    ("quán cơm nhà tôi có đăng ký hộ kinh doanh, tôi phải đi mổ nên đóng cửa khoảng 3 tháng, có phải báo không", "tam-ngung-ho-kinh-doanh"),
])
def test_what_is_asked_picks_the_procedure_of_the_same_name_for_that_case(question, record):
    assert answer(question, verify=False).record_id == record


def test_without_the_case_the_name_keeps_its_own_procedure():
    # a burnt certificate whose register the commune still keeps is not registering again
    assert answer("giấy kết hôn của bố mẹ tôi bị cháy, xin bản sao ở đâu", verify=False).record_id != "dang-ky-lai-ket-hon"
    assert answer("đăng ký hộ kinh doanh cần giấy tờ gì", verify=False).record_id == "dang-ky-ho-kinh-doanh"


def test_a_follow_up_asking_to_end_the_procedure_in_context_gets_its_ending():
    a = _after("tôi mở tiệm tạp hóa, đăng ký hộ kinh doanh ở đâu", "nếu sau này không bán nữa thì phải báo gì")
    assert a.record_id == "cham-dut-ho-kinh-doanh" and a.considered[0]["via"] == "context"


def test_a_follow_up_about_the_foreign_case_keeps_the_aspect_asked_before():
    a = _after("đăng ký kết hôn mất bao lâu", "với người nước ngoài thì sao")
    assert a.record_id == "dang-ky-ket-hon-co-yeu-to-nuoc-ngoai" and a.context.aspect == "time"


def test_a_shared_name_is_settled_by_the_procedure_in_context():
    a = _after("bà tôi đang hưởng trợ cấp hưu trí xã hội ở xã", "bà mất rồi thì nhà có được tiền mai táng không")
    assert a.kind == PROCEDURE and a.record_id == "ho-tro-mai-tang-huu-tri-xa-hoi"
    # with nothing in context the shared name still asks which one
    assert answer("tiền mai táng xin ở đâu").kind == CLARIFY


def test_a_long_card_keeps_who_handles_it():
    a = answer("kết hôn với người nước ngoài cần giấy tờ gì")
    body = a.text.split("Nguồn:")[0]
    assert "… (xem đủ ở nguồn bên dưới)" in body and "🏢 Cơ quan giải quyết: UBND cấp xã" in body


def test_fit_puts_who_handles_it_after_the_lines_that_answer_and_shortens_it():
    who = "🏢 Cơ quan giải quyết: UBND cấp xã nơi cư trú; người ở nước ngoài thì nơi khác (Nghị định 120/2025/NĐ-CP)."
    papers = [f"• Giấy tờ số {i}: " + "x" * 90 for i in range(12)]
    text = "\n".join(["📌 Thủ tục", "👉 Dòng trả lời", "📄 Giấy tờ cần chuẩn bị:", *papers, who, "Nguồn: nguồn, kiểm tra ngày 1/1/2026."])
    fitted = _fit(text, who).split("\n")
    assert fitted[:2] == ["📌 Thủ tục", "👉 Dòng trả lời"]
    assert fitted[-3:] == ["🏢 Cơ quan giải quyết: UBND cấp xã nơi cư trú.", "… (xem đủ ở nguồn bên dưới)", "Nguồn: nguồn, kiểm tra ngày 1/1/2026."]
    assert sum(len(line) + 1 for line in fitted[:-3]) <= MAX_CHARS
    # a kept line that says where to submit already: not said twice
    said = text.replace("👉 Dòng trả lời", "👉 Nơi nộp: UBND xã")
    assert not any(line.startswith("🏢") for line in _fit(said, who).split("\n"))


def test_a_longer_stop_asked_after_a_pause_stays_a_pause():
    a = _after("tiệm may của tôi có đăng ký hộ kinh doanh", "tôi sắp sinh, muốn đóng cửa chừng 4 tháng thì báo ai",
               "nếu nghỉ lâu hơn, tầm một năm rưỡi thì báo ở đâu")
    assert a.record_id == "tam-ngung-ho-kinh-doanh", (a.kind, a.considered)
