"""What goes into the answering layer and what comes out of it (no Rasa types here)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Tuple

# kinds of answer
PROCEDURE = "procedure"  # a full catalog record
DOCUMENT = "document"  # a guidance document
REGISTRY = "registry"  # a procedure we know by name and code only
CLARIFY = "clarify"  # two close records, or an unclear message: buttons
ASK_PROCEDURE = "ask_procedure"  # an aspect asked with no procedure in the question or context
REFERRAL = "referral"  # a public service we have no guidance on: say so and refer
REFUSAL = "refusal"  # not a public service at all


@dataclass
class Context:
    """What the conversation is about so far (kept by the caller between turns)."""

    procedure: Optional[str] = None  # the procedure of the last answer
    aspect: Optional[str] = None  # the aspect last asked (time, fee, ...)
    answer_id: Optional[str] = None  # the record of the last answer
    awaiting: Optional[str] = None  # "procedure": the last reply asked which procedure
    offered: Tuple[str, ...] = ()  # the records the last referral offered as buttons
    told: str = ""  # the citizen's last message: a situation told before the question ("hộ chiếu em hết hạn rồi")


@dataclass
class Nlu:
    """What the NLU made of the message (optional: the layer works without it)."""

    intent: str = ""
    confidence: float = 1.0
    procedures: List[str] = field(default_factory=list)  # `procedure` entity values
    aspects: List[str] = field(default_factory=list)  # `aspect` entity values
    from_button: bool = False  # the message was a button payload: its entities are exact


@dataclass
class Answer:
    text: str
    kind: str
    outcome: str  # store.outcomes: answered | fallback
    confidence: float
    record_id: Optional[str] = None
    topic: Optional[str] = None
    reason: Optional[str] = None  # for fallbacks: no_answer, clarify, ask_procedure, out_of_scope
    sources: List[Dict[str, str]] = field(default_factory=list)
    buttons: List[Dict[str, str]] = field(default_factory=list)
    aspects: List[str] = field(default_factory=list)
    considered: List[Dict[str, Any]] = field(default_factory=list)  # records weighed, with scores
    context: Context = field(default_factory=Context)  # the context after this answer

    def payload(self) -> Dict[str, Any]:
        """The custom JSON the channels carry (`dvc`): sources and the outcome marker."""
        from store.outcomes import marker

        fields = {"topic": self.topic, "answer_id": self.record_id, "reason": self.reason, "kind": self.kind}
        extra: Dict[str, Any] = {}
        if self.kind == PROCEDURE:
            extra = {"procedure": self.record_id, "aspects": self.aspects}
        elif self.kind == DOCUMENT:
            extra = {"document": self.record_id}
        return {"dvc": {"sources": self.sources, **extra, **marker(self.outcome, **fields)}}

    def as_json(self) -> Dict[str, Any]:
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        return data
