"""Procedure conversations: the form that asks which procedure, and the aspect-aware answer
from the catalog (knowledge/procedures) with follow-up buttons."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.aspects import ASPECTS, BUTTON_TITLES, answer_aspect, aspects_in, card, detail_line
from actions.citations import CAVEAT, citation_line, outcome_payload, payload, source_dicts
from actions.common import after_answer, intent_of, user_question
from knowledge.catalog import Procedure, default_matcher
from store.outcomes import ANSWERED, FALLBACK, marker

PROCEDURE_INTENTS = {"ask_procedure"}


def find_procedure(value: Optional[str], text: Optional[str] = None) -> Optional[Procedure]:
    matcher = default_matcher()
    return matcher.find(value) or matcher.find(text)


def follow_up_buttons(proc: Procedure, shown: List[str]) -> List[Dict[str, str]]:
    return [
        {"title": BUTTON_TITLES[a], "payload": f'/ask_procedure{{"procedure": "{proc.id}", "aspect": "{a}"}}'}
        for a in ASPECTS
        if a not in shown
    ][:4]


def procedure_reply(proc: Procedure, aspects: List[str], question: str = "") -> str:
    body = "\n".join(answer_aspect(proc, a) for a in aspects) if aspects else card(proc)
    lines = [f"📌 {proc.name}", body]
    # the specific detail asked, when the aspect answer or the card does not show it
    detail = detail_line(proc, question, body, min_score=2 if aspects else 1) if question else ""
    if detail:
        lines.append(f"ℹ️ {detail}")
    if proc.uncertain:
        lines.append(CAVEAT + (f" ({proc.uncertain_note})" if proc.uncertain_note and len(proc.uncertain_note) < 200 else ""))
    lines.append(citation_line(source_dicts(proc.sources, proc.checked)))
    return "\n".join(lines)


def utter_procedure(dispatcher: CollectingDispatcher, tracker: Tracker, proc: Procedure, aspects: List[str], question: str) -> List[Dict[Text, Any]]:
    """Send the answer about `proc` (the aspects asked, or a card) with follow-up buttons."""
    sources = source_dicts(proc.sources, proc.checked)
    dispatcher.utter_message(
        text=procedure_reply(proc, aspects, question),
        buttons=follow_up_buttons(proc, aspects or ["time", "fee", "where", "online"]),
        json_message=payload(sources, procedure=proc.id, aspects=aspects, **marker(ANSWERED, topic="procedure", answer_id=proc.id)),
    )
    return [SlotSet("procedure", proc.id)] + after_answer(tracker, dispatcher, proc.id, "procedure", question)


class ValidateProcedureForm(FormValidationAction):
    """Maps what the citizen typed to a catalog id; gives up after two tries (the answer action
    then falls back to the knowledge search) and when the citizen has moved on to another topic."""

    def name(self) -> Text:
        return "validate_procedure_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("procedure"):
            # filled: nothing to ask. A catalog id (e.g. found by extract_procedure) is listed so
            # the new value is kept; an unrecognised span is left to the answer action, which then
            # searches the knowledge instead of asking again
            return domain_slots if tracker.get_slot("procedure") in default_matcher().procedures else []
        attempts = int(tracker.get_slot("procedure_attempts") or 0)
        asked_before = tracker.get_slot("requested_slot") == "procedure"
        if attempts >= 2 or (asked_before and intent_of(tracker) not in PROCEDURE_INTENTS | {"affirm", "deny"} and attempts >= 1):
            return []
        text = tracker.latest_message.get("text") or ""
        if not asked_before and not aspects_in(text, tracker.get_latest_entity_values("aspect")) and not find_procedure(None, text):
            # neither a procedure nor an aspect of one: not a procedure question after all, so
            # do not ask "which procedure?"; the answer action searches the knowledge instead
            return []
        return domain_slots

    async def extract_procedure(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The procedure named in the question when NLU did not tag it (e.g. abbreviated: "hộ kd
        đk ở đâu"), so the form does not ask for what the citizen already said."""
        if tracker.get_slot("procedure") or tracker.get_slot("requested_slot") == "procedure":
            return {}
        proc = find_procedure(None, tracker.latest_message.get("text"))
        return {"procedure": proc.id} if proc else {}

    def validate_procedure(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        proc = find_procedure(str(slot_value) if slot_value else None, tracker.latest_message.get("text"))
        if proc:
            return {"procedure": proc.id, "procedure_attempts": 0.0}
        attempts = int(tracker.get_slot("procedure_attempts") or 0) + 1
        return {"procedure": None, "procedure_attempts": float(attempts)}


class ActionAskProcedure(Action):
    """Asks which procedure, with buttons for the most common ones."""

    COMMON = [("Căn cước", "cap-the-can-cuoc"), ("Khai sinh", "dang-ky-khai-sinh"), ("Hộ chiếu", "cap-ho-chieu"),
              ("Kết hôn", "dang-ky-ket-hon"), ("Thường trú", "dang-ky-thuong-tru"), ("Đổi bằng lái", "doi-giay-phep-lai-xe")]

    def name(self) -> Text:
        return "action_ask_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        known = default_matcher().procedures
        aspect = next((a for a in aspects_in(tracker.latest_message.get("text") or "", tracker.get_latest_entity_values("aspect"))), None)
        buttons = []
        for title, pid in self.COMMON:
            if pid in known:
                entities = {"procedure": pid, **({"aspect": aspect} if aspect else {})}
                buttons.append({"title": title, "payload": "/ask_procedure" + _json(entities)})
        text = "Bạn hỏi về thủ tục nào ạ? Chọn bên dưới hoặc gõ tên thủ tục (ví dụ: làm căn cước, đăng ký khai sinh)."
        if int(tracker.get_slot("procedure_attempts") or 0) >= 1:
            text = "Mình chưa nhận ra thủ tục đó. " + text
        dispatcher.utter_message(text=text, buttons=buttons, json_message=outcome_payload(FALLBACK, reason="ask_procedure"))
        return [SlotSet("last_question", user_question(tracker) or tracker.get_slot("last_question"))]


def _json(data: Dict[str, str]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


class ActionAnswerProcedure(Action):
    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        proc = find_procedure(tracker.get_slot("procedure"))
        question = user_question(tracker)
        if proc is None:
            # the form gave up: answer from the knowledge instead, if we can
            from actions.knowledge_answers import answer_from_knowledge

            events = await answer_from_knowledge(dispatcher, tracker, question or tracker.get_slot("last_question") or "")
            return events + [SlotSet("procedure_attempts", 0.0)]
        text = tracker.latest_message.get("text") or ""
        aspects = aspects_in(text, tracker.get_latest_entity_values("aspect"))
        return [SlotSet("procedure_attempts", 0.0)] + utter_procedure(dispatcher, tracker, proc, aspects, question)
