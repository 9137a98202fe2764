"""The channel-neutral reply model and its construction from Rasa's bot messages.

Actions attach structured data to a cited answer as custom JSON `{"dvc": {"sources": [...]}}`;
Rasa emits that as a separate message right after the text, and `from_rasa` folds it back into
the reply it belongs to (a marker sent before any text joins the reply that follows). Every turn
is marked with its outcome (`{"dvc": {"outcome": ...}}`, store.outcomes), which ends up in
`Reply.custom`; renderers ignore the keys they do not know. Channel renderers (web, Zalo,
Messenger) start from `Reply`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field


class Button(BaseModel):
    title: str
    payload: str


class SourceRef(BaseModel):
    title: str
    url: str
    checked: str  # ISO date the fact was checked


class Reply(BaseModel):
    text: str = ""
    buttons: List[Button] = Field(default_factory=list)
    sources: List[SourceRef] = Field(default_factory=list)
    image: Optional[str] = None
    custom: Dict[str, Any] = Field(default_factory=dict)


def _buttons(message: Dict[str, Any]) -> List[Button]:
    raw = message.get("buttons") or message.get("quick_replies") or []
    return [Button(title=str(b.get("title", "")), payload=str(b.get("payload", b.get("title", "")))) for b in raw]


def from_rasa(messages: List[Dict[str, Any]]) -> List[Reply]:
    replies: List[Reply] = []
    pending: Dict[str, Any] = {}  # `dvc` data sent before any reply (e.g. a rating's marker)
    for message in messages:
        custom = message.get("custom")
        if message.get("text") or message.get("image") or message.get("buttons"):
            replies.append(
                Reply(text=message.get("text") or "", buttons=_buttons(message), image=message.get("image"), custom=pending)
            )
            pending = {}
        if isinstance(custom, dict) and isinstance(custom.get("dvc"), dict):
            extra = dict(custom["dvc"])
            sources = [SourceRef(**s) for s in extra.pop("sources", [])]
            if not replies and not sources:
                pending.update(extra)  # folded into the first reply that follows
                continue
            if not replies:
                replies.append(Reply())
            replies[-1].sources.extend(sources)
            replies[-1].custom.update(extra)
        elif custom:
            replies.append(Reply(custom=custom if isinstance(custom, dict) else {"value": custom}))
    if pending:
        replies.append(Reply(custom=pending))
    return replies


def outcome_of(replies: List[Reply]) -> Dict[str, Any]:
    """The turn's outcome from the replies' markers (store.outcomes.turn_outcome)."""
    from store.outcomes import turn_outcome

    return turn_outcome(reply.custom for reply in replies)


def joined_text(replies: List[Reply]) -> str:
    return "\n\n".join(r.text for r in replies if r.text)


def all_sources(replies: List[Reply]) -> List[SourceRef]:
    seen, out = set(), []
    for reply in replies:
        for source in reply.sources:
            if source.url + source.title not in seen:
                seen.add(source.url + source.title)
                out.append(source)
    return out
