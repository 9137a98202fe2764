"""Conversation tests: the real trained agent, real actions (in-process SDK executor), the real
knowledge index and a real SQLite feedback store."""
import asyncio
import json

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from knowledge.normalize import normalize_text
from server.replies import from_rasa, joined_text
from store import records

pytestmark = pytest.mark.slow


class Chat:
    def __init__(self, agent, sender):
        self.agent, self.sender = agent, sender
        self.replies = []

    def say(self, text):
        out = CollectingOutputChannel()
        message = text if text.startswith("/") else normalize_text(text)
        asyncio.run(self.agent.handle_message(UserMessage(message, out, self.sender, input_channel="test", metadata={"channel": "test"})))
        self.replies = from_rasa(out.messages)
        return joined_text(self.replies)

    @property
    def buttons(self):
        return [b for r in self.replies for b in r.buttons]

    @property
    def sources(self):
        return [s for r in self.replies for s in r.sources]

    def tracker(self):
        return asyncio.run(self.agent.tracker_store.get_or_create_tracker(self.sender))


@pytest.fixture
def chat(agent, request):
    return Chat(agent, f"test-{request.node.name}")


def test_processing_time_answer_with_source_and_follow_ups(chat):
    text = chat.say("Làm thẻ căn cước thì chờ mấy hôm mới có thẻ?")
    assert "7 ngày làm việc" in text
    assert "Nguồn:" in text and "kiểm tra ngày" in text
    assert chat.sources and chat.sources[0].checked
    titles = [b.title for b in chat.buttons]
    assert "💰 Lệ phí?" in titles and "⏱ Bao lâu?" not in titles
    assert all(len(t) <= 20 for t in titles)


def test_context_carries_over_to_the_next_aspect(chat):
    chat.say("cho hỏi làm căn cước bao lâu thì xong")
    text = chat.say("thế còn phí thì thế nào?")
    assert "căn cước" in text.lower() and "Lệ phí" in text
    assert "7 ngày" not in text  # a fee is not a processing time


def test_a_procedure_less_question_asks_which_procedure_then_answers(chat):
    text = chat.say("thủ tục này mất bao lâu vậy")
    assert "thủ tục nào" in text
    assert {"Căn cước", "Hộ chiếu"} <= {b.title for b in chat.buttons}
    text = chat.say("dạ, hộ chiếu ạ")
    assert "8 ngày làm việc" in text


def test_a_follow_up_button_answers_that_aspect(chat):
    chat.say("xin hộ chiếu thì đợi mấy ngày mới có")
    payload = next(b.payload for b in chat.buttons if "Giấy tờ" in b.title)
    text = chat.say(payload)
    assert "Giấy tờ cần chuẩn bị" in text and "4x6" in text


def test_uncertain_facts_come_with_a_caveat(chat):
    assert "cần kiểm tra lại" in chat.say("lệ phí làm hộ chiếu bao nhiêu")


def test_accentless_and_abbreviated_questions(chat):
    assert "7 ngày làm việc" in chat.say("lam cccd mat bao lau")
    other = Chat(chat.agent, chat.sender + "-2")
    assert "Lệ phí" in other.say("dk ket hon het bn tien")


def test_security_question_is_answered_from_the_knowledge(chat):
    text = chat.say("có người gọi bảo tôi cập nhật VNeID sau sáp nhập, đưa mã OTP")
    assert "lừa đảo" in text.lower()
    assert "Nguồn:" in text


def test_out_of_scope_is_refused_politely(chat):
    assert "ngoài phạm vi" in chat.say("dự báo thời tiết Hà Nội ngày mai thế nào")


def test_low_nlu_confidence_gets_a_clarification_with_likely_topics(chat):
    # what the FallbackClassifier emits for a message below the confidence threshold
    text = chat.say("/nlu_fallback")
    assert "chưa chắc" in text
    payloads = [b.payload for b in chat.buttons]
    assert "/ask_human" in payloads and len(payloads) >= 2


def test_the_production_fallback_threshold_sends_unreadable_text_to_the_clarification(agent, chat):
    """Real text through the trained pipeline's FallbackClassifier (bot/config.yml), not the
    /nlu_fallback shortcut: its rule holds on every parse, and text with nothing to read in it
    reaches the clarification."""
    from pathlib import Path

    from common import yamlio

    with open(Path(__file__).resolve().parent.parent / "bot" / "config.yml", encoding="utf-8") as fh:
        config = yamlio.load(fh)
    [fallback] = [c for c in config["pipeline"] if c["name"] == "FallbackClassifier"]
    for text in ["???", "qwerty uiop", "abc xyz", "hmm", "làm căn cước mất bao lâu", "cảm ơn nhé"]:
        parsed = asyncio.run(agent.parse_message(normalize_text(text)))
        ranking = [r["confidence"] for r in parsed["intent_ranking"] if r["name"] != "nlu_fallback"]
        top, second = (ranking + [0.0, 0.0])[:2]
        below = top < fallback["threshold"] or top - second < fallback["ambiguity_threshold"]
        assert (parsed["intent"]["name"] == "nlu_fallback") == below, (text, parsed["intent"], ranking[:2])
    text = chat.say("???")
    assert "chưa chắc" in text and any(b.payload == "/ask_human" for b in chat.buttons)


def test_a_public_service_we_hold_nothing_on_gets_an_honest_referral(chat):
    text = chat.say("xin phép bay flycam quay đám cưới thì làm ở đâu")
    assert "chưa có hướng dẫn" in text and "18001096" in text
    assert "Nguồn:" not in text  # no card about another record
    assert any(b.payload == "/ask_human" for b in chat.buttons)


def test_a_public_service_the_registry_knows_by_name_gets_its_code_and_who_handles_it(chat):
    # no full record; the registry's name for it ("quyết toán thuế thu nhập cá nhân") finds it. (The
    # second look's own cases are in tests/answering/test_rescue.py: a question it answers at a
    # probability near its threshold flipped between two index builds here.)
    text = chat.say("cho em hỏi quyết toán thuế thu nhập cá nhân trên mạng thì làm thế nào")
    assert "2.002233" in text and "Nơi giải quyết" in text and "Cơ quan thuế" in text
    assert "chưa có hướng dẫn chi tiết" in text and "18001096" in text


def test_an_aspect_follow_up_keeps_the_procedure(chat):
    chat.say("xin hộ chiếu thì đợi mấy ngày mới có")
    text = chat.say("làm online được không?")
    assert "hộ chiếu" in text.lower() and "💻" in text


def test_a_new_procedure_keeps_the_aspect_asked_before(chat):
    chat.say("làm căn cước mất bao lâu")
    text = chat.say("còn khai sinh thì sao?")
    assert "Đăng ký khai sinh" in text and "Trong ngày" in text


def test_handoff_records_a_request_with_redacted_transcript(chat):
    chat.say("số điện thoại của tôi là 0912345678, cccd 001203004567")
    text = chat.say("tôi muốn nói chuyện trực tiếp với người của xã")
    assert "18001096" in text and "1900 0368" in text and "YC-" in text
    request = [h for h in records.list_handoffs() if h["conversation_id"] == chat.sender][-1]
    dumped = json.dumps(request["transcript"], ensure_ascii=False)
    assert "0912345678" not in dumped and "001203004567" not in dumped
    assert "[số điện thoại]" in dumped and request["status"] == "open" and request["channel"] == "test"


def test_feedback_is_asked_after_an_answer_and_stored(chat):
    chat.say("đăng ký khai sinh mất bao lâu")
    assert any(b.payload == "/rate_bad" for b in chat.buttons)  # asked after the first answer
    text = chat.say("/rate_bad")
    assert "thiếu" in text
    text = chat.say("tôi muốn biết lệ phí nếu đăng ký muộn, gọi tôi 0987654321")
    assert "ghi lại" in text and "hỏi lại" in text  # a complaint gets an apology and a way forward
    rows = [r for r in records.list_feedback() if r["conversation_id"] == chat.sender]
    assert rows[-1]["rating"] == "down" and rows[-1]["answer_id"] == "dang-ky-khai-sinh"
    assert "đăng ký muộn" in rows[-1]["comment"] and "0987654321" not in rows[-1]["comment"]
    assert rows[-1]["channel"] == "test" and "khai sinh" in rows[-1]["question"]


def test_feedback_is_not_asked_after_every_answer(chat):
    assert "7 ngày" in chat.say("làm căn cước mất bao lâu")
    assert "Lệ phí" in chat.say("còn lệ phí thì sao") and chat.sources  # a second answer, with its source
    assert not any(b.payload == "/rate_good" for b in chat.buttons)


def test_thumbs_up_is_stored(chat):
    chat.say("xin hộ chiếu thì đợi mấy ngày mới có")
    assert "Cảm ơn" in chat.say("/rate_good")
    assert [r for r in records.list_feedback() if r["conversation_id"] == chat.sender][-1]["rating"] == "up"
