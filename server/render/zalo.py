"""Replies -> Zalo OA consultation (`message/cs`) message objects.

Zalo counts every message against the reply window (8 within 48 h of the citizen's last
message), so the texts of one turn are joined into as few messages as possible, each at most
2000 characters. Zalo has no quick replies for this API: buttons become a numbered list, and
the citizen's "1", "2"… (or the title) is mapped back to the button's payload (`ChoiceMemory`)."""
from __future__ import annotations

import re
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from knowledge.normalize import strip_accents
from server.render.text import reply_text, split_text, units
from server.replies import Button, Reply

TEXT_LIMIT = 2000
MAX_CHOICES = 9
CHOICE_HINT = "(Trả lời bằng số thứ tự, ví dụ: 1)"
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def numbered(buttons: List[Button]) -> str:
    lines = [f"{i}. {b.title}" for i, b in enumerate(buttons[:MAX_CHOICES], 1)]
    return "\n".join(lines + [CHOICE_HINT])


def render(replies: List[Reply]) -> Tuple[List[Dict[str, Any]], List[Button]]:
    """The messages to send, and the buttons offered (for `ChoiceMemory`)."""
    parts: List[str] = []
    images: List[str] = []
    buttons: List[Button] = []
    for reply in replies:
        text = reply_text(reply)
        if reply.buttons:
            buttons = list(reply.buttons)[:MAX_CHOICES]
            text = (text + "\n" if text else "") + numbered(buttons)
        if text:
            parts.append(text)
        if reply.image:
            images.append(reply.image)
    messages: List[Dict[str, Any]] = []
    current = ""
    for part in parts:
        candidate = f"{current}\n\n{part}" if current else part
        if units(candidate) <= TEXT_LIMIT:
            current = candidate
            continue
        if current:
            messages.append({"text": current})
        chunks = split_text(part, TEXT_LIMIT)
        messages.extend({"text": c} for c in chunks[:-1])
        current = chunks[-1] if chunks else ""
    if current:
        messages.append({"text": current})
    for url in images:
        messages.append({"attachment": {"type": "template", "payload": {
            "template_type": "media", "elements": [{"media_type": "image", "url": url}]}}})
    return messages, buttons


class ChoiceMemory:
    """The buttons last offered to each Zalo user, for a while."""

    def __init__(self, ttl_s: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._offers: Dict[str, Tuple[float, List[Button]]] = {}

    def offer(self, user: str, buttons: List[Button]) -> None:
        if buttons:
            self._offers[user] = (self.clock() + self.ttl_s, buttons)
        else:
            self._offers.pop(user, None)

    def forget(self, user: str) -> None:
        self._offers.pop(user, None)

    def resolve(self, user: str, text: str) -> Optional[str]:
        """The payload the citizen chose with `text`, if it names an offered button."""
        expires, buttons = self._offers.get(user, (0.0, []))
        if not buttons or expires < self.clock():
            self._offers.pop(user, None)
            return None
        match = _NUMBER.match(text)
        if match:
            index = int(match.group(1))
            return buttons[index - 1].payload if 1 <= index <= len(buttons) else None
        wanted = strip_accents(text)
        for button in buttons:
            if strip_accents(button.title) == wanted:
                return button.payload
        return None
