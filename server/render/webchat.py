"""Replies -> `bot_uttered` messages in the shapes of Rasa's socketio channel, which
rasa-webchat (and other Rasa web widgets) display: {"text"}, {"text", "quick_replies"},
{"attachment": {"type": "image", ...}}, or custom JSON as is. Text is markdown there."""
from __future__ import annotations

import re
from typing import Any, Dict, List

from server.render.text import reply_text
from server.replies import Reply

_SINGLE_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")


def markdown_lines(text: str) -> str:
    """rasa-webchat renders markdown, which joins single lines: keep them as line breaks."""
    return _SINGLE_NEWLINE.sub("  \n", text)


def render(replies: List[Reply]) -> List[Dict[str, Any]]:
    messages: List[Dict[str, Any]] = []
    for reply in replies:
        text = reply_text(reply)
        if reply.buttons:
            messages.append({
                "text": markdown_lines(text),
                "quick_replies": [
                    {"content_type": "text", "title": b.title, "payload": b.payload or b.title} for b in reply.buttons
                ],
            })
        elif text:
            messages.append({"text": markdown_lines(text)})
        if reply.image:
            messages.append({"attachment": {"type": "image", "payload": {"src": reply.image}}})
        if reply.custom and not (text or reply.buttons or reply.image):
            messages.append(reply.custom)
    return messages
