"""The channel-neutral form of an incoming platform event, as kept in the inbox."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict

TEXT = "text"
FOLLOW = "follow"
UNFOLLOW = "unfollow"
MAX_TEXT = 2000  # longer messages get a polite "too long" reply


@dataclass
class Inbound:
    channel: str  # "zalo" | "facebook"
    user: str  # the platform's user id (Zalo user id, Messenger PSID)
    kind: str  # text | follow | unfollow | sticker | image | file | location | audio | video | ...
    text: str = ""  # text or quick-reply/postback payload
    at: float = 0.0  # epoch seconds of the citizen's action (0: unknown)
    masked: bool = False  # personal numbers were masked out of `text` (common.redact) on arrival
    contact: str = ""  # a call-back contact the citizen gave on purpose (common.redact.callback_contact)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Inbound":
        return cls(**{k: data[k] for k in ("channel", "user", "kind", "text", "at", "masked", "contact") if k in data})
