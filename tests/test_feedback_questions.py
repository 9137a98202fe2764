"""A comment that also asks something (the NLU took it as `give_feedback`): the comment is stored,
and what it asks is answered when the answering layer holds the answer. The real action, the real
answering layer and index, the real SQLite feedback store; the tracker is built as Rasa sends it."""
import asyncio
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionSaveFeedback, asks_something
from store import records

pytestmark = pytest.mark.slow


def _run(text):
    sender = f"web:fb-{uuid.uuid4().hex[:8]}"
    tracker = Tracker(sender, {}, {"text": text, "intent": {"name": "give_feedback", "confidence": 0.9}, "entities": [],
                                   "metadata": {"channel": "web"}}, [], False, None, None, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSaveFeedback().run(dispatcher, tracker, {}))
    stored = [f for f in records.list_feedback() if f["conversation_id"] == sender]
    return dispatcher.messages, events, stored


@pytest.mark.parametrize("text, asks", [
    ("Bot trả lời sai rồi, thông tin đó cũ lắm", False),
    ("Tôi muốn khiếu nại về việc giải quyết hồ sơ quá hạn", False),
    ("cán bộ hẹn mãi, làm thẻ căn cước mất bao lâu vậy?", True),
    ("bot tra loi sai roi, vay le phi ho chieu bao nhieu", True),
])
def test_what_reads_as_a_question(text, asks):
    assert asks_something(text) is asks


def test_a_comment_that_asks_what_we_know_gets_the_answer_and_is_stored(knowledge_index):
    text = "cán bộ hẹn mãi, làm thẻ căn cước mất bao lâu vậy?"
    messages, events, stored = _run(text)
    assert [f["comment"] for f in stored] == [text]
    assert "7 ngày làm việc" in (messages[0].get("text") or "")  # the answer first
    assert messages[-1]["response"] == "utter_feedback_saved"  # then the thanks
    assert {"event": "slot", "name": "procedure", "value": "cap-the-can-cuoc", "timestamp": None} in events


def test_a_plain_comment_is_stored_and_thanked_only(knowledge_index):
    messages, events, stored = _run("Trang dịch vụ công trên điện thoại khó dùng quá")
    assert len(stored) == 1 and events == []
    assert [m.get("response") for m in messages] == ["utter_feedback_saved"]
