"""The answering action: a thin adapter from Rasa to the answering layer (answering.answer).

It reads the conversation's context from slots, calls the layer off the event loop, sends the
Answer (text, buttons, the `dvc` payload with sources and outcome) and keeps the new context."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import after_answer, intent_of, user_question
from answering import Answer, Context, Nlu, answer
from store.outcomes import ANSWERED


def context_of(tracker: Tracker) -> Context:
    return Context(
        procedure=tracker.get_slot("procedure"), aspect=tracker.get_slot("last_aspect"),
        answer_id=tracker.get_slot("last_answer_id"), awaiting=tracker.get_slot("awaiting"),
        offered=tuple(tracker.get_slot("offered") or ()),
        told=tracker.get_slot("last_question") or "",
    )


def nlu_of(tracker: Tracker) -> Nlu:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    entities = message.get("entities") or []
    return Nlu(
        intent=intent_of(tracker), confidence=float(intent.get("confidence") or 0.0),
        procedures=[str(e.get("value")) for e in entities if e.get("entity") == "procedure" and e.get("value")],
        aspects=[str(e.get("value")) for e in entities if e.get("entity") == "aspect" and e.get("value")],
        from_button=(message.get("text") or "").startswith("/"),
    )


class ActionAnswer(Action):
    def name(self) -> Text:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        question = user_question(tracker)
        ctx = context_of(tracker)
        result = await answer_off_loop(question, ctx, nlu_of(tracker))
        return send(dispatcher, tracker, question, ctx, result)


async def answer_off_loop(question: str, ctx: Context, nlu: Nlu) -> Answer:
    """The answering layer's Answer, computed off the event loop (it embeds and searches)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: answer(question, ctx, nlu))


def send(dispatcher: CollectingDispatcher, tracker: Tracker, question: str, ctx: Context, result: Answer) -> List[Dict[Text, Any]]:
    """Send an Answer (text, buttons, the `dvc` payload) and return the slots of the new context."""
    dispatcher.utter_message(text=result.text, buttons=result.buttons, json_message=result.payload())
    new = result.context
    events = [
        SlotSet("procedure", new.procedure if result.outcome == ANSWERED or new.awaiting else ctx.procedure),
        SlotSet("last_aspect", new.aspect),
        SlotSet("awaiting", new.awaiting),
        SlotSet("offered", list(new.offered) or None),
        SlotSet("last_question", question),
    ]
    if result.outcome == ANSWERED:
        events += after_answer(tracker, dispatcher, result.record_id, result.topic or "", question)
    return events
