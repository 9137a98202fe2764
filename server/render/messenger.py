"""Replies -> Messenger Send API `message` objects.

Limits: text <= 2000 characters (split cleanly), <= 13 quick replies, quick-reply titles <= 20
characters, payloads <= 1000 characters. Quick replies go on the last text of the turn; images
become image attachments."""
from __future__ import annotations

from typing import Any, Dict, List

from server.render.text import reply_text, shorten, split_text, units
from server.replies import Button, Reply

TEXT_LIMIT = 2000
MAX_QUICK_REPLIES = 13
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
BUTTONS_ONLY_TEXT = "Bạn chọn một mục:"


def quick_replies(buttons: List[Button]) -> List[Dict[str, str]]:
    out = []
    for button in buttons:
        payload = button.payload or button.title
        if not button.title or units(payload) > PAYLOAD_LIMIT:
            continue
        out.append({"content_type": "text", "title": shorten(button.title, TITLE_LIMIT), "payload": payload})
    return out[:MAX_QUICK_REPLIES]


def render(replies: List[Reply]) -> List[Dict[str, Any]]:
    messages: List[Dict[str, Any]] = []
    pending_buttons: List[Button] = []
    for reply in replies:
        text = reply_text(reply)
        if text:
            messages.extend({"text": chunk} for chunk in split_text(text, TEXT_LIMIT))
        if reply.image:
            messages.append({"attachment": {"type": "image", "payload": {"url": reply.image, "is_reusable": True}}})
        if reply.buttons:
            pending_buttons = list(reply.buttons)
    if pending_buttons:
        replies_ = quick_replies(pending_buttons)
        if replies_:
            if not messages or "text" not in messages[-1]:
                messages.append({"text": BUTTONS_ONLY_TEXT})
            messages[-1]["quick_replies"] = replies_
    return messages
