"""The Rasa adapter of the answering layer (actions/answer.py): the conversation's context goes to
the layer from slots and comes back as slots, with the records a doubted answer offered."""
import asyncio
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer, context_of

pytestmark = pytest.mark.slow


def _tracker(text, slots):
    return Tracker(f"web:ctx-{uuid.uuid4().hex[:8]}", slots, {"text": text, "intent": {"name": "ask_procedure", "confidence": 0.9},
                                                             "entities": [], "metadata": {"channel": "web"}},
                   [], False, None, None, "action_listen")


def test_the_context_slots_reach_the_layer_and_come_back(knowledge_index):
    tracker = _tracker("x", {"procedure": "cap-ho-chieu", "last_aspect": "fee", "last_answer_id": "cap-ho-chieu",
                             "awaiting": None, "offered": ["cap-ho-chieu", "trinh-bao-mat-ho-chieu"]})
    ctx = context_of(tracker)
    assert ctx.procedure == "cap-ho-chieu" and ctx.aspect == "fee" and ctx.offered == ("cap-ho-chieu", "trinh-bao-mat-ho-chieu")
    assert context_of(_tracker("x", {})).offered == ()

    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswer().run(dispatcher, _tracker("làm hộ chiếu mất bao lâu", {}), {}))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["procedure"] == "cap-ho-chieu" and slots["last_aspect"] == "time"
    assert slots["offered"] is None  # an answer offers nothing
    assert dispatcher.messages and "Nguồn:" in dispatcher.messages[0]["text"]
