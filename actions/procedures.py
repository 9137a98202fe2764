"""Answers about a procedure from the catalog (knowledge/procedures)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.citations import CAVEAT, citation_line, payload, source_dicts
from knowledge.catalog import Procedure, default_matcher


def resolve_procedure(tracker: Tracker) -> Optional[Procedure]:
    """The procedure the citizen means: the entity if recognised, else any alias in the text,
    else the one discussed before (slot)."""
    matcher = default_matcher()
    for value in tracker.get_latest_entity_values("procedure"):
        found = matcher.find(value)
        if found:
            return found
    found = matcher.find(tracker.latest_message.get("text"))
    if found:
        return found
    slot = tracker.get_slot("procedure")
    return matcher.procedures.get(slot) if slot else None


def processing_time_answer(proc: Procedure) -> str:
    lines = [f"⏱ {proc.name}: {proc.processing_time}.", f"Nơi làm: {proc.authority}."]
    if proc.uncertain:
        lines.append(CAVEAT)
    return "\n".join(lines)


class ActionProcessingTime(Action):
    def name(self) -> Text:
        return "action_processing_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        proc = resolve_procedure(tracker)
        if proc is None:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        sources = source_dicts(proc.sources, proc.checked)
        text = processing_time_answer(proc) + "\n" + citation_line(sources)
        dispatcher.utter_message(text=text, json_message=payload(sources, procedure=proc.id))
        return [SlotSet("procedure", proc.id)]
