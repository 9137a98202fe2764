"""A registry-only procedure answered when the question's words and the encoder both point at it
(answering.registry_match), and never when they disagree or two entries explain it alike."""
from answering import answer
from answering import registry_match
from answering.model import REGISTRY
from store.outcomes import ANSWERED


def test_a_described_registry_procedure_is_answered_briefly_with_its_code_and_authority():
    a = answer("cây phượng to trước cổng nhà tôi nghiêng sắp đổ, muốn xin chặt bỏ thì hỏi ai cho phép?")
    assert a.kind == REGISTRY and a.outcome == ANSWERED and a.record_id == "1.002693", (a.kind, a.record_id, a.considered)
    assert a.considered[0]["via"] == "registry match" and a.considered[0]["dense_rank"] == 0
    assert "1.002693" in a.text and "Nơi giải quyết" in a.text and "Mình chưa có hướng dẫn chi tiết" in a.text


def test_the_encoder_must_put_the_entry_first():
    question = "cây phượng to trước cổng nhà tôi nghiêng sắp đổ, muốn xin chặt bỏ thì hỏi ai cho phép?"
    top, read = registry_match.best(question, [("1.002693", 0.88), ("1.014860", 0.85)])
    assert top is not None and top.code == "1.002693"
    # the same words, but the encoder puts another procedure nearest: not answered
    top, read = registry_match.best(question, [("1.014860", 0.88), ("1.002693", 0.87)])
    assert top is None and read[0].code == "1.002693"


def test_two_entries_the_words_explain_alike_are_not_chosen_between():
    # "thôi quốc tịch" in the country and abroad share every word asked: the words cannot say which
    question = "xin thôi quốc tịch Việt Nam cho con"
    found = registry_match.candidates(question, [("2.002036", 0.83), ("2.002039", 0.82)])
    assert {c.code for c in found[:2]} == {"2.002036", "2.002039"}
    assert abs(found[0].words_score - found[1].words_score) < registry_match.WORD_MARGIN
    top, _ = registry_match.best(question, [("2.002036", 0.83), ("2.002039", 0.82)])
    assert top is None


def test_a_question_of_one_subject_word_names_no_procedure():
    top, read = registry_match.best("cây?", [("1.002693", 0.9)])
    assert top is None and read[0].code == "1.002693"  # it explains the word, but one word is not enough
    top, _ = registry_match.best("xin phép chặt cây", [("1.002693", 0.9)])
    assert top is not None and top.code == "1.002693"


def test_a_registry_reply_says_online_or_where_to_check_it_in_one_line_with_the_code():
    from answering import compose
    from knowledge.registry import load_registry

    unknown = next(e for e in load_registry() if not e.online and e.code)
    known = next(e for e in load_registry() if e.online == "toàn trình" and e.code)
    text = compose.registry_text(unknown)
    lines = text.splitlines()
    search = [line for line in lines if unknown.code in line and "dichvucong.gov.vn" in line and not line.startswith("Nguồn")]
    assert len(search) == 1 and "trực tuyến" in search[0] and "💻" not in text  # where to check it, once
    assert "Nơi giải quyết" in text and "18001096" in text and "Nguồn:" in text
    text = compose.registry_text(known)
    assert "💻 Làm trọn vẹn trên mạng được" in text and f"mã thủ tục {known.code}" in text
    assert len(compose.registry_text(unknown)) <= 700
