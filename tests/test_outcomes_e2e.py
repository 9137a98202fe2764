"""Outcome markers from the real trained agent and real actions, and the staff report computed
from the very same conversation saved by Rasa's SQLTrackerStore: every turn's outcome in the
report is the one the gateway saw (metrics, logs)."""
import asyncio

import pytest

from server.replies import outcome_of
from store.db import engine_for
from store.report import build_report
from tests.store.report_data import save_trackers
from tests.test_conversations import Chat

pytestmark = pytest.mark.slow

TURNS = [  # what the citizen says -> the outcome the turn must carry
    # a fresh conversation: nothing asked before, so nothing for these to fall back on
    ("/ask_access", {"outcome": "fallback", "reason": "no_answer"}),
    ("/nlu_fallback", {"outcome": "fallback", "reason": "clarify"}),
    ("/greet", {"outcome": "chitchat"}),
    ("Làm thẻ căn cước mất bao lâu?", {"outcome": "answered", "topic": "procedure", "answer_id": "cap-the-can-cuoc"}),
    ("/rate_bad", {"outcome": "feedback", "rating": "down"}),
    ("câu trả lời thiếu lệ phí", {"outcome": "feedback"}),
    ("dự báo thời tiết Hà Nội ngày mai thế nào", {"outcome": "fallback", "reason": "out_of_scope"}),
    ("/ask_human", {"outcome": "handoff"}),
]


def test_each_turn_is_marked_and_the_report_agrees(agent, tmp_path):
    chat = Chat(agent, "web:outcomes-e2e")
    seen = []
    for text, expected in TURNS:
        chat.say(text)
        assert chat.replies and all(r.text for r in chat.replies)  # markers never show as empty messages
        outcome = outcome_of(chat.replies)
        for key, value in expected.items():
            assert outcome.get(key) == value, (text, outcome)
        seen.append(outcome["outcome"])

    tracker = asyncio.run(agent.tracker_store.get_or_create_tracker(chat.sender))
    db = tmp_path / "tracker.db"
    save_trackers(db, {chat.sender: list(tracker.events)})
    report = build_report(engine_for(f"sqlite:///{db}"), days=2)  # today and yesterday: a run across Vietnam midnight
    turns = report["turns"]
    assert turns["total"] == len(TURNS)
    counts = {name: seen.count(name) for name in set(seen)}
    assert turns["by_outcome"] == counts
    assert turns["by_channel"] == {"test": len(TURNS)}
    # button payloads (/ask_access...) are not questions citizens typed
    assert [(row["question"], row["reason"]) for row in turns["unanswered"]] == [(TURNS[6][0], "out_of_scope")]
