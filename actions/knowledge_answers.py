"""Answers from the guidance documents through the retriever; the honest "I don't know"; and
the two-stage clarification when NLU is unsure."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.citations import CAVEAT, citation_line, payload
from actions.common import after_answer, intent_of, user_question
from actions.retrieval import confident, search
from knowledge.retriever import Result
from store.outcomes import ANSWERED, marker

# intent -> the document topics it is about (a tie-breaker among close results)
INTENT_TOPICS = {
    "ask_access": {"access", "procedure"},
    "ask_security": {"security"},
    "troubleshoot": {"troubleshooting"},
    "ask_benefits": {"benefits"},
    "ask_support": {"support"},
}
# intents offered as buttons when NLU is unsure, with the title a citizen understands
INTENT_TITLES = {
    "ask_procedure": "Hỏi về một thủ tục",
    "ask_access": "Cách dùng Cổng DVC/VNeID",
    "ask_security": "Lừa đảo, an toàn",
    "troubleshoot": "Gặp lỗi, sự cố",
    "ask_benefits": "Lợi ích làm online",
    "ask_support": "Tổng đài, nơi hỗ trợ",
    "ask_human": "Gặp cán bộ",
}


def pick(results: List[Result], intent: str) -> Optional[Result]:
    """The best result, preferring the intent's topic when it is almost as good."""
    if not results:
        return None
    topics = INTENT_TOPICS.get(intent)
    if topics:
        for result in results[:3]:
            if result.topic in topics and result.dense >= results[0].dense - 0.05:
                return result
    return results[0]


def document_reply(result: Result) -> str:
    from knowledge.documents import load_documents

    doc = load_documents().get(result.id)
    lines = [f"📌 {result.title}", doc.lead if doc else result.text]
    if doc and result.section not in ("lead", "questions") and result.text not in doc.lead and len(result.text) <= 450:
        lines.append(result.text)
    if result.uncertain:
        lines.append(CAVEAT)
    source = result.sources[0] if result.sources else None
    if source:
        lines.append(citation_line([{"title": source["title"], "url": source["url"], "checked": result.checked}]))
    return "\n".join(lines)


def no_answer(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(response="utter_no_answer")


async def answer_from_knowledge(dispatcher: CollectingDispatcher, tracker: Tracker, question: str, results: Optional[List[Result]] = None) -> List[Dict[Text, Any]]:
    """Answer `question` from the knowledge (`results`: a search already made for it)."""
    intent = intent_of(tracker)
    if results is None:
        results = await search(question, k=3) if question else []
    best = pick(results, intent)
    if not confident(best):
        no_answer(dispatcher)
        return [SlotSet("last_question", question)]
    if best.kind == "procedure":
        from actions.aspects import aspects_in
        from actions.procedures import find_procedure, utter_procedure

        # a procedure the question names outright beats a close neighbour in the ranking
        named = find_procedure(None, question)
        proc = named if named and named.id in {r.id for r in results} else find_procedure(best.id)
        return utter_procedure(dispatcher, tracker, proc, aspects_in(question), question)
    sources = [{"title": s["title"], "url": s["url"], "checked": best.checked} for s in best.sources]
    dispatcher.utter_message(
        text=document_reply(best),
        json_message=payload(sources, document=best.id, **marker(ANSWERED, topic=best.topic, answer_id=best.id)),
    )
    return after_answer(tracker, dispatcher, best.id, best.topic, question)


class ActionAnswerKnowledge(Action):
    def name(self) -> Text:
        return "action_answer_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return await answer_from_knowledge(dispatcher, tracker, user_question(tracker))


class ActionClarify(Action):
    """Low NLU confidence: answer from the knowledge if the search is confident; otherwise
    offer the two most likely topics as buttons (plus "Gặp cán bộ")."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        question = user_question(tracker)
        results = await search(question, k=3) if question else []
        if results and confident(results[0]) and results[0].dense >= 0.05 + _min_dense():
            return await answer_from_knowledge(dispatcher, tracker, question, results)
        ranking = [r.get("name") for r in tracker.latest_message.get("intent_ranking") or []]
        likely = [name for name in ranking if name in INTENT_TITLES and name != "ask_human"][:2]
        for default in ("ask_procedure", "ask_access"):  # nothing likely: the two main topics
            if len(likely) < 2 and default not in likely:
                likely.append(default)
        buttons = [{"title": INTENT_TITLES[name], "payload": f"/{name}"} for name in likely]
        buttons.append({"title": INTENT_TITLES["ask_human"], "payload": "/ask_human"})
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return [SlotSet("last_question", question)]


def _min_dense() -> float:
    from dvcbot.settings import get_settings

    return get_settings().retrieval_min_dense
