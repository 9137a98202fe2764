"""The procedure form's validation action, run directly (no Rasa)."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.procedures import ValidateProcedureForm

DOMAIN = {"forms": {"procedure_form": {"required_slots": ["procedure"]}}, "slots": {"procedure": {}, "procedure_attempts": {}}}


def run(text, slots=None):
    tracker = Tracker("t", dict(slots or {}), {"text": text, "intent": {"name": "ask_procedure"}, "entities": []}, [], False, None, {"name": "procedure_form"}, None)
    events = asyncio.run(ValidateProcedureForm().run(CollectingDispatcher(), tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_procedure_named_in_the_text_fills_the_slot_when_nlu_did_not_tag_it():
    assert run("hộ kd đk ở đâu ad")["procedure"] == "dang-ky-ho-kinh-doanh"


def test_a_question_without_a_procedure_fills_nothing():
    assert "procedure" not in run("lệ phí bao nhiêu")


def test_a_procedure_from_an_earlier_turn_is_kept():
    assert "procedure" not in run("còn lệ phí thì sao", {"procedure": "cap-the-can-cuoc"})


def test_an_unrecognised_entity_span_is_left_to_the_answer_action():
    # validation would reject it and ask again; the answer action searches the knowledge instead
    assert "procedure" not in run("chứng thực tờ hợp đồng nhà", {"procedure": "tờ hợp đồng nhà"})
