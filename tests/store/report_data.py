"""Conversations for the report tests, saved the way Rasa saves them: real trackers through
Rasa's SQLTrackerStore (table `events`) in the same SQLite file as the feedback/handoff store."""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0
CCCD, PHONE, EMAIL = "001203004567", "0912345678", "an.nguyen@example.vn"
RAW_SECRETS = (CCCD, "001203004568", PHONE, "0987654321", EMAIL, "7700112233", "5566778899")


def user(text: str, at: float, channel: str, intent: str = "ask_procedure"):
    from rasa.shared.core.events import UserUttered

    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return UserUttered(text, intent=parse["intent"], parse_data=parse, timestamp=at, input_channel="rest",
                       metadata={"channel": channel})


def bot(text: Optional[str], at: float, dvc: Optional[Dict[str, Any]] = None, utter: Optional[str] = None):
    from rasa.shared.core.events import BotUttered

    return BotUttered(text, data={"custom": {"dvc": dvc} if dvc else None}, metadata={"utter_action": utter} if utter else {},
                      timestamp=at)


def action(name: str, at: float):
    from rasa.shared.core.events import ActionExecuted

    return ActionExecuted(name, timestamp=at)


def conversations(now: float) -> Dict[str, List[Any]]:
    """sender -> events. Outcomes: answered 2, fallback 4 (one recorded without a marker),
    handoff 1, feedback 1, chitchat 1; and one old turn outside a 30-day report."""
    source = {"title": "Cổng DVC", "url": "https://dichvucong.gov.vn/", "checked": "2025-07-01"}
    t = now - 60
    return {
        "web:alice": [
            action("action_session_start", t - DAY), action("action_listen", t - DAY),
            user("Làm căn cước mất bao lâu?", t - DAY, "web"), action("action_answer_procedure", t - DAY + 1),
            bot("📌 Cấp thẻ căn cước ...", t - DAY + 1, {"sources": [source], "outcome": "answered", "topic": "procedure", "answer_id": "cap-the-can-cuoc"}),
            bot("Câu trả lời có giúp được bạn không?", t - DAY + 1, utter="utter_ask_rating"), action("action_listen", t - DAY + 2),
            user("/rate_good", t - DAY + 10, "web", "rate_good"), action("action_record_rating", t - DAY + 11),
            bot(None, t - DAY + 11, {"outcome": "feedback", "rating": "up", "topic": "procedure"}),
            bot("Cảm ơn bạn đã đánh giá!", t - DAY + 11, {"outcome": "feedback"}, "utter_thanks_rating"),
            action("action_listen", t - DAY + 12),
        ],
        f"zalo:{'7700112233'}": [
            user(f"CCCD {CCCD} bị khóa tài khoản, gọi {PHONE}", t - 2 * DAY, "zalo", "troubleshoot"),
            action("action_answer_knowledge", t - 2 * DAY + 1),
            bot("Xin lỗi, mình chưa có thông tin chắc chắn về câu hỏi này.", t - 2 * DAY + 1, {"outcome": "fallback", "reason": "no_answer"}, "utter_no_answer"),
            action("action_listen", t - 2 * DAY + 2),
            # the same question again, other numbers, no tone marks: grouped with the first
            user("cccd 001203004568 bi khoa tai khoan, goi 0987654321!", t - 2 * DAY + 60, "zalo", "troubleshoot"),
            action("action_answer_knowledge", t - 2 * DAY + 61),
            bot("Xin lỗi, mình chưa có thông tin chắc chắn về câu hỏi này.", t - 2 * DAY + 61, {"outcome": "fallback", "reason": "no_answer"}, "utter_no_answer"),
            action("action_listen", t - 2 * DAY + 62),
        ],
        "fb:5566778899": [
            user(f"cho tôi gặp cán bộ, email {EMAIL}", t, "facebook", "ask_human"), action("action_handoff", t + 1),
            bot("Bạn có thể gọi 18001096 ...", t + 1, {"outcome": "handoff", "handoff_id": 1}), action("action_listen", t + 2),
        ],
        "web:bob": [
            user("xin chào", t, "socketio", "greet"), action("utter_greet", t + 1),
            bot("Xin chào! Mình là trợ lý ...", t + 1, {"outcome": "chitchat"}, "utter_greet"), action("action_listen", t + 2),
            user("Thủ tục đăng ký kết hôn với người nước ngoài ở huyện", t + 5, "socketio", "nlu_fallback"),
            action("action_clarify", t + 6),
            bot("Mình chưa chắc đã hiểu đúng. Bạn muốn hỏi về:", t + 6, {"outcome": "fallback", "reason": "clarify"}, "utter_clarify"),
            action("action_listen", t + 7),
            # recorded before the markers existed: the response name tells the outcome
            user("giá vàng hôm nay", t + 10, "socketio", "out_of_scope"), action("utter_out_of_scope", t + 11),
            bot("Xin lỗi, việc này nằm ngoài phạm vi mình hỗ trợ.", t + 11, None, "utter_out_of_scope"),
            action("action_listen", t + 12),
            user("Đổi bằng lái xe ở đâu?", t + 20, "socketio"), action("action_answer_procedure", t + 21),
            bot("📌 Đổi giấy phép lái xe ...", t + 21, {"sources": [source], "outcome": "answered", "topic": "procedure", "answer_id": "doi-giay-phep-lai-xe"}),
            action("action_listen", t + 22),
        ],
        "web:old": [
            user("câu hỏi cũ không trả lời được", now - 40 * DAY, "web"), action("action_answer_knowledge", now - 40 * DAY + 1),
            bot("Xin lỗi ...", now - 40 * DAY + 1, {"outcome": "fallback", "reason": "no_answer"}, "utter_no_answer"),
        ],
    }


def save_trackers(db_path: Path, trackers: Dict[str, List[Any]]) -> None:
    """Save with Rasa's own SQLTrackerStore (it creates the `events` table)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "bot" / "domain.yml"))
    store = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(db_path))

    async def save_all() -> None:
        for sender, events in trackers.items():
            await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))

    asyncio.run(save_all())
    store.engine.dispose()


VIETNAM = dt.timezone(dt.timedelta(hours=7))


def midday(at: Optional[float] = None) -> float:
    """The latest 12:00 Vietnam time at or before `at` (default now). Conversations placed around
    it never straddle a local midnight, whenever the tests run (the report counts Vietnam days)."""
    moment = dt.datetime.fromtimestamp(time.time() if at is None else at, VIETNAM)
    noon = moment.replace(hour=12, minute=0, second=0, microsecond=0)
    if noon > moment:
        noon -= dt.timedelta(days=1)
    return noon.timestamp()


def populate(db_path: Path, now: Optional[float] = None) -> sa.engine.Engine:
    """Trackers plus ratings, a comment and handoff requests (one closed) in one SQLite file.
    `now` (default: the latest Vietnam midday, `midday()`) places the recent turns and ratings;
    the older ones are whole days before it."""
    from store import records
    from store.db import engine_for, feedback, handoffs

    now = now or midday()
    save_trackers(db_path, conversations(now))
    engine = engine_for(f"sqlite:///{db_path}")
    alice = records.add_feedback("web:alice", "web", rating="up", question="Làm căn cước mất bao lâu?", answer_id="cap-the-can-cuoc", topic="procedure", engine=engine)
    down = records.add_feedback("web:carol", "web", rating="down", question="lừa đảo", answer_id="lua-dao", topic="security", engine=engine)
    records.attach_comment(down, f"thiếu số tổng đài, gọi tôi {PHONE}", engine=engine)
    yesterday = records.add_feedback("zalo:7700112233", "zalo", rating="up", topic="security", engine=engine)
    records.add_handoff("fb:5566778899", "facebook", f"cho tôi gặp cán bộ, CCCD {CCCD}", [{"from": "citizen", "text": f"email {EMAIL}"}], engine=engine)
    closed = records.add_handoff("web:alice", "web", "đã xử lý", [], engine=engine)
    with engine.begin() as conn:
        def stored(at: float) -> dt.datetime:  # SQLite keeps naive UTC
            return dt.datetime.fromtimestamp(at, dt.timezone.utc).replace(tzinfo=None)

        conn.execute(feedback.update().where(feedback.c.id.in_([alice, down])).values(created_at=stored(now)))
        conn.execute(feedback.update().where(feedback.c.id == yesterday).values(created_at=stored(now - 2 * DAY)))
        conn.execute(handoffs.update().where(handoffs.c.id == closed).values(status="closed"))
    return engine
