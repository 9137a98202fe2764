"""Small helpers shared by the actions: who is asking, on which channel, what they asked, and
the "was this useful?" prompt after factual answers."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.settings import get_settings


def channel_of(tracker: Tracker) -> str:
    metadata = tracker.latest_message.get("metadata") or {}
    return str(metadata.get("channel") or tracker.get_latest_input_channel() or "unknown")


def user_question(tracker: Tracker) -> str:
    """What the citizen asked: the latest text, or the question remembered before a button."""
    text = (tracker.latest_message.get("text") or "").strip()
    if text.startswith("/"):
        return tracker.get_slot("last_question") or ""
    return text


def intent_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def after_answer(tracker: Tracker, dispatcher: CollectingDispatcher, answer_id: Optional[str], topic: str, question: str) -> List[Dict[str, Any]]:
    """Events that remember the answer (for ratings) and, now and then, ask for a rating."""
    answered = int(tracker.get_slot("answers_given") or 0) + 1
    every = max(get_settings().feedback_every, 1)
    if answered % every == 1 or every == 1:
        dispatcher.utter_message(response="utter_ask_rating")
    return [
        SlotSet("answers_given", float(answered)),
        SlotSet("last_answer_id", answer_id),
        SlotSet("last_topic", topic),
        SlotSet("last_question", question),
    ]
