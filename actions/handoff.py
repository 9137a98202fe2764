"""Handing over to a human: the right hotline and in-person options, and a request recorded
for staff with the conversation (personal numbers redacted by the store)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from answering.citations import outcome_payload
from actions.common import channel_of
from common.settings import get_settings
from store import records
from store.outcomes import HANDOFF

TRANSCRIPT_TURNS = 20


def transcript(tracker: Tracker) -> List[Dict[str, str]]:
    lines = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append({"from": "citizen", "text": event["text"], "at": event.get("timestamp")})
        elif event.get("event") == "bot" and event.get("text"):
            lines.append({"from": "bot", "text": event["text"], "at": event.get("timestamp")})
    return lines[-TRANSCRIPT_TURNS:]


def handoff_text(request_id: int) -> str:
    s = get_settings()
    return (
        "Bạn có thể nói chuyện với cán bộ theo các cách sau:\n"
        f"☎️ Tổng đài Cổng Dịch vụ công quốc gia: {s.hotline_portal}\n"
        f"☎️ VNeID, căn cước, cư trú: {s.hotline_vneid} (bấm phím 4)\n"
        "🏢 Đến Trung tâm Phục vụ hành chính công hoặc Bộ phận Một cửa của xã/phường (giờ hành chính).\n"
        "👥 Nhờ Tổ công nghệ số cộng đồng ở thôn, tổ dân phố giúp làm trên điện thoại.\n"
        f"Mình đã ghi lại yêu cầu của bạn (mã YC-{request_id}) kèm nội dung trò chuyện để cán bộ xem lại."
    )


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        request_id = records.add_handoff(
            conversation_id=tracker.sender_id, channel=channel_of(tracker),
            reason=tracker.get_slot("last_question") or tracker.latest_message.get("text") or "", transcript=transcript(tracker),
        )
        dispatcher.utter_message(text=handoff_text(request_id), json_message=outcome_payload(HANDOFF, handoff_id=request_id))
        return []
