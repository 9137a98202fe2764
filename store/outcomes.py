"""The outcome of a turn: what the bot did with what the citizen said.

Actions and responses mark every bot message with `{"dvc": {"outcome": ..., ...}}` (custom
JSON; channels ignore it). A turn can carry several markers (an answer followed by the rating
prompt, a rating followed by the "what was missing?" question): `turn_outcome` keeps the most
telling one. The gateway counts turns by outcome (metrics, logs); the staff report reads the
same markers back from Rasa's tracker store (`store.report`).

Outcomes:
- answered: a factual answer from the catalog or the guidance documents (with topic, answer_id);
- fallback: the bot could not answer (reason: no_answer, clarify, ask_procedure, out_of_scope);
- handoff: the citizen asked for a human; a request was stored;
- feedback: a rating (with rating up/down) or a comment;
- chitchat: greetings, thanks, goodbye, "are you a bot?";
- error: the gateway answered with an apology because Rasa failed (never in the tracker store).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

ANSWERED, FALLBACK, HANDOFF, FEEDBACK, CHITCHAT, ERROR, UNKNOWN = (
    "answered", "fallback", "handoff", "feedback", "chitchat", "error", "unknown",
)
OUTCOMES = (ANSWERED, FALLBACK, HANDOFF, FEEDBACK, CHITCHAT, ERROR, UNKNOWN)
# Conversations the gateway holds with its own Rasa at start (server/warmup.py) have sender ids
# starting with this: never a citizen's (channel senders start with "web:", "zalo:", "fb:"), and
# left out of the staff report (turns, ratings) and the metrics.
WARM_UP_SENDER = "__warmup__"
# a turn with several markers takes the first of these it has
PRIORITY = (ERROR, HANDOFF, ANSWERED, FALLBACK, FEEDBACK, CHITCHAT)

# Markers of turns recorded without one (older conversations): Rasa's response names and
# action names. Marked messages win over these.
RESPONSE_OUTCOMES = {
    "utter_no_answer": (FALLBACK, "no_answer"),
    "utter_clarify": (FALLBACK, "clarify"),
    "utter_out_of_scope": (FALLBACK, "out_of_scope"),
    "utter_greet": (CHITCHAT, None),
    "utter_goodbye": (CHITCHAT, None),
    "utter_thank": (CHITCHAT, None),
    "utter_anything_else": (CHITCHAT, None),
    "utter_iamabot": (CHITCHAT, None),
    "utter_chitchat": (CHITCHAT, None),
    "utter_thanks_rating": (FEEDBACK, None),
    "utter_ask_feedback_comment": (FEEDBACK, None),
    "utter_feedback_saved": (FEEDBACK, None),
}
ACTION_OUTCOMES = {
    "action_handoff": (HANDOFF, None),
    "action_clarify": (FALLBACK, "clarify"),
    "action_ask_procedure": (FALLBACK, "ask_procedure"),
    "action_record_rating": (FEEDBACK, None),
    "action_save_feedback": (FEEDBACK, None),
    "action_save_feedback_comment": (FEEDBACK, None),
}


def marker(outcome: str, **fields: Any) -> Dict[str, Any]:
    """The `dvc` fields of a message with this outcome (None values left out, to keep it small)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return {"outcome": outcome, **{k: v for k, v in fields.items() if v is not None}}


def turn_outcome(markers: Iterable[Optional[Dict[str, Any]]]) -> Dict[str, Any]:
    """One turn's outcome from the `dvc` dicts of its messages: the highest-priority outcome,
    with the details (topic, answer_id, reason, rating) gathered from every marker."""
    found = [m for m in markers if isinstance(m, dict) and m.get("outcome") in OUTCOMES]
    if not found:
        return {"outcome": UNKNOWN}
    rank = {name: i for i, name in enumerate(PRIORITY)}
    best = min(found, key=lambda m: rank.get(m["outcome"], len(PRIORITY)))
    result = {"outcome": best["outcome"]}
    for key in ("reason", "topic", "answer_id"):
        if best.get(key) is not None:
            result[key] = best[key]
    rating = next((m["rating"] for m in found if m.get("rating") in ("up", "down")), None)
    if rating:
        result["rating"] = rating
    return result
