"""Messenger Send API: POST {FB_GRAPH_API_BASE}/me/messages?access_token=PAGE_TOKEN with
{"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {...}}.

A staff reply allowed 24 h to 7 days after the citizen's last message (server/delivery.py) is
stored in the outbox with `"_tag": "HUMAN_AGENT"` and sent as `"messaging_type": "MESSAGE_TAG",
"tag": "HUMAN_AGENT"`; bot messages never carry that key. A campaign message (inside 24 h only)
goes as `"messaging_type": "UPDATE"`, Meta's type for a proactive message inside the window."""
from __future__ import annotations

from typing import Any, Dict

import httpx

from common.settings import Settings
from server.outbox import SendFailed
from server.platforms.http import json_body, post

# Graph error codes worth retrying: temporary errors, throttling, and token errors (an operator
# can fix the token and restart; the outbox keeps the message until then)
RETRYABLE_CODES = {1, 2, 4, 17, 32, 341, 613, 190}
TAG_KEY = "_tag"  # in an outbox message: the message tag to send it with
# in an outbox message: its messaging type when it is not a reply ("UPDATE": a campaign message
# sent proactively inside the 24 h window)
TYPE_KEY = "_messaging_type"


class GraphApi:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.url = f"{settings.fb_graph_api_base.rstrip('/')}/me/messages"
        self.token = settings.fb_page_access_token
        self.http = http

    async def send(self, recipient: str, message: Dict[str, Any]) -> None:
        message = dict(message)
        tag, kind = message.pop(TAG_KEY, None), message.pop(TYPE_KEY, None)
        envelope = {"messaging_type": "MESSAGE_TAG", "tag": tag} if tag else {"messaging_type": kind or "RESPONSE"}
        response = await post(
            self.http, self.url, params={"access_token": self.token},
            json={"recipient": {"id": recipient}, **envelope, "message": message},
        )
        if response.status_code == 200:
            return
        error = (json_body(response) or {}).get("error") or {}
        code = error.get("code") if isinstance(error, dict) else None
        raise SendFailed(f"Graph error {code} (HTTP {response.status_code})", retryable=code in RETRYABLE_CODES)
