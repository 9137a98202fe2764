import pytest

from server.replies import all_sources, from_rasa, joined_text

SOURCE = {"title": "Cổng DVC", "url": "https://dichvucong.gov.vn/", "checked": "2026-11-24"}


def test_custom_sources_are_folded_into_the_text_reply_they_follow():
    replies = from_rasa([
        {"recipient_id": "u", "text": "Câu trả lời"},
        {"recipient_id": "u", "custom": {"dvc": {"sources": [SOURCE], "procedure": "cap-ho-chieu"}}},
        {"recipient_id": "u", "text": "Bạn hỏi thêm gì?", "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}]},
    ])
    assert len(replies) == 2
    assert replies[0].sources[0].url == SOURCE["url"]
    assert replies[0].custom == {"procedure": "cap-ho-chieu"}
    assert replies[1].buttons[0].title == "Lệ phí"
    assert joined_text(replies) == "Câu trả lời\n\nBạn hỏi thêm gì?"


def test_sources_are_deduplicated_and_foreign_custom_kept():
    replies = from_rasa([
        {"text": "a"}, {"custom": {"dvc": {"sources": [SOURCE]}}},
        {"text": "b"}, {"custom": {"dvc": {"sources": [SOURCE]}}},
        {"custom": {"card": 1}},
    ])
    assert len(all_sources(replies)) == 1
    assert replies[-1].custom == {"card": 1}


def test_empty_rasa_answer_gives_no_replies():
    assert from_rasa([]) == []


def test_a_marker_sent_before_any_text_joins_the_reply_that_follows():
    from server.replies import outcome_of

    replies = from_rasa([
        {"recipient_id": "u", "custom": {"dvc": {"outcome": "feedback", "rating": "down"}}},
        {"recipient_id": "u", "text": "Bạn thấy còn thiếu gì?"},
        {"recipient_id": "u", "custom": {"dvc": {"outcome": "feedback"}}},
    ])
    assert len(replies) == 1 and replies[0].text == "Bạn thấy còn thiếu gì?"
    assert replies[0].custom == {"outcome": "feedback", "rating": "down"}
    assert outcome_of(replies) == {"outcome": "feedback", "rating": "down"}


def test_a_turn_takes_its_most_telling_outcome():
    from store.outcomes import marker, turn_outcome

    answer = marker("answered", topic="procedure", answer_id="cap-ho-chieu", reason=None)
    assert answer == {"outcome": "answered", "topic": "procedure", "answer_id": "cap-ho-chieu"}
    assert turn_outcome([marker("feedback", rating="up"), answer])["outcome"] == "answered"
    assert turn_outcome([marker("chitchat"), marker("fallback", reason="clarify")]) == {"outcome": "fallback", "reason": "clarify"}
    assert turn_outcome([answer, marker("handoff")])["outcome"] == "handoff"
    assert turn_outcome([{"sources": []}, None]) == {"outcome": "unknown"}
    with pytest.raises(ValueError):
        marker("maybe")
