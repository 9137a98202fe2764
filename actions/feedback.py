"""Ratings (👍/👎) of the last answer, the "what was missing?" comment, and free feedback.
Everything is stored durably (store.records) with the question, the answer's id and the channel."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from answering.citations import outcome_payload
from actions.common import channel_of
from store import records
from store.outcomes import ANSWERED, FEEDBACK


class ActionRecordRating(Action):
    def name(self) -> Text:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        rating = "up" if (tracker.latest_message.get("intent") or {}).get("name") == "rate_good" else "down"
        feedback_id = records.add_feedback(
            conversation_id=tracker.sender_id, channel=channel_of(tracker), rating=rating,
            question=tracker.get_slot("last_question"), answer_id=tracker.get_slot("last_answer_id"),
            topic=tracker.get_slot("last_topic"),
        )
        # the marker rides on the next message of the turn (the thanks, or the feedback form's
        # question after a 👎); the gateway folds a text-less marker into the reply that follows
        dispatcher.utter_message(json_message=outcome_payload(
            FEEDBACK, rating=rating, topic=tracker.get_slot("last_topic"), answer_id=tracker.get_slot("last_answer_id"),
        ))
        if rating == "up":
            dispatcher.utter_message(response="utter_thanks_rating")
        return [SlotSet("feedback_id", float(feedback_id))]


class ActionSaveFeedbackComment(Action):
    """After 👎 the feedback form collected what was missing: attach it to the rating."""

    def name(self) -> Text:
        return "action_save_feedback_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        comment = tracker.get_slot("feedback_comment") or ""
        feedback_id = tracker.get_slot("feedback_id")
        if feedback_id:
            records.attach_comment(int(feedback_id), comment)
        else:
            records.add_feedback(conversation_id=tracker.sender_id, channel=channel_of(tracker), comment=comment)
        dispatcher.utter_message(response="utter_feedback_saved")
        return [SlotSet("feedback_comment", None), SlotSet("feedback_id", None)]


class ActionSaveFeedback(Action):
    """A citizen's own comment or complaint, typed at any time. When the comment also asks
    something we hold an answer to ("cán bộ hẹn mãi, làm căn cước mất bao lâu vậy?"), the answer
    comes first: the comment is stored either way."""

    def name(self) -> Text:
        return "action_save_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from actions.answer import answer_off_loop, context_of, nlu_of, send

        text = tracker.latest_message.get("text") or ""
        records.add_feedback(
            conversation_id=tracker.sender_id, channel=channel_of(tracker), comment=text,
            question=tracker.get_slot("last_question"), answer_id=tracker.get_slot("last_answer_id"),
            topic=tracker.get_slot("last_topic"),
        )
        events: List[Dict[Text, Any]] = []
        if asks_something(text):
            ctx = context_of(tracker)
            result = await answer_off_loop(text, ctx, nlu_of(tracker))
            if result.outcome == ANSWERED:  # we know the answer: give it (a referral would repeat the thanks)
                events = send(dispatcher, tracker, text, ctx, result)
        dispatcher.utter_message(response="utter_feedback_saved")
        return events


# a question inside a comment: a question mark, or how Vietnamese questions end
_ASKS = re.compile(r"\?|\b(khong|ko|hok|chua|the nao|ntn|nhu nao|o dau|bao nhieu|bao lau|lam sao|ra sao|gi|nao|duoc khong|sao)\s*(a|ad|vay|v|nhi|nhe|ha|em|anh|chi|ban)?\s*$")


def asks_something(text: str) -> bool:
    from knowledge.normalize import search_form

    return bool(_ASKS.search(text or "")) or bool(_ASKS.search(search_form(text or "")))
