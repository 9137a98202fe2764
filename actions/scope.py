"""Out of scope, checked against the knowledge first.

NLU sometimes files a real question under out_of_scope ("Đăng ký ô tô 5 chỗ thì lệ phí bao
nhiêu?" after examples such as "nên mua xe máy hãng nào"). A question that names a procedure of
the catalog outright (the catalog matcher: aliases, not single generic words) is answered;
anything else gets the polite refusal and what the bot can do. The knowledge search is not asked:
with the packaged model it scored "dự báo thời tiết Hà Nội" high enough to answer."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aspects import aspects_in
from actions.common import user_question
from actions.procedures import find_procedure, utter_procedure


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        question = user_question(tracker)
        named = find_procedure(None, question) if question else None
        if named:
            return utter_procedure(dispatcher, tracker, named, aspects_in(question), question)
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
