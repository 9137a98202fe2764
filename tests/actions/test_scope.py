"""action_out_of_scope, run directly (no Rasa): a real question that NLU filed as out of scope
is answered; a truly unrelated one is refused."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.scope import ActionOutOfScope


def run(text):
    tracker = Tracker("t", {}, {"text": text, "intent": {"name": "out_of_scope"}, "entities": []}, [], False, None, {}, None)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionOutOfScope().run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_question_naming_a_procedure_is_answered_not_refused():
    messages, slots = run("Đăng ký ô tô 5 chỗ ở Hà Nội thì lệ phí bao nhiêu?")
    assert slots["procedure"] == "dang-ky-xe"
    text = messages[0]["text"]
    assert "ngoài phạm vi" not in text and "Lệ phí" in text and "Nguồn:" in text


@pytest.mark.parametrize("text", ["dự báo thời tiết Hà Nội ngày mai thế nào", "giá vàng hôm nay bao nhiêu", "kết quả bóng đá tối qua", "nên mua xe máy hãng nào"])
def test_an_unrelated_question_is_refused(text):
    messages, _ = run(text)
    assert [m.get("response") for m in messages] == ["utter_out_of_scope"]
