"""The retention purge and one citizen's erasure on SQLite and PostgreSQL (real databases, Rasa's
own SQLTrackerStore for `events`): conversations older than the limit go, the staff report's
counts stay, other citizens' rows are untouched."""
import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa

from store import desk, privacy, records
from store.db import engine_for, feedback, handoffs
from store.report import build_report
from tests.store.report_data import DAY, ROOT, action, bot, conversations, midday, user

OLD = 100 * DAY  # older than the 90-day default
OLD_SECRET = "câu hỏi rất cũ về sổ đỏ"
# the campaign tables (covered by tests/ops/test_campaign_stores.py): nothing about these citizens
NO_CAMPAIGN_PURGE = {"consent_records_anonymised": 0, "campaign_contacts_deleted": 0, "campaign_deliveries_anonymised": 0}
NO_CAMPAIGN_ERASE = {"consent_records_anonymised": 0, "campaign_contacts": 0, "campaign_notices": 0, "campaign_deliveries": 0}


def save(url, trackers):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    parsed = sa.engine.make_url(url)
    domain = Domain.load(str(ROOT / "bot" / "domain.yml"))
    if parsed.get_backend_name() == "sqlite":
        store = SQLTrackerStore(domain=domain, dialect="sqlite", db=parsed.database)
    else:
        store = SQLTrackerStore(domain=domain, dialect="postgresql", host=parsed.host, port=parsed.port,
                                db=parsed.database, username=parsed.username, password=parsed.password)

    async def save_all():
        for sender, events in trackers.items():
            await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))

    asyncio.run(save_all())
    store.engine.dispose()


def stored(engine, at):
    moment = dt.datetime.fromtimestamp(at, dt.timezone.utc)
    return moment.replace(tzinfo=None) if engine.dialect.name == "sqlite" else moment


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dvcbot.db'}"
    return request.getfixturevalue("fresh_pg_url")


def populate(url, now):
    trackers = conversations(now)
    trackers["web:ancient"] = [
        user(OLD_SECRET, now - OLD, "web"), action("action_answer_knowledge", now - OLD + 1),
        bot("Xin lỗi ...", now - OLD + 1, {"outcome": "fallback", "reason": "no_answer"}, "utter_no_answer"),
    ]
    save(url, trackers)
    engine = engine_for(url)
    recent = records.add_feedback("web:alice", "web", rating="up", question="Làm căn cước mất bao lâu?", topic="procedure", engine=engine)
    old_up = records.add_feedback("web:ancient", "web", rating="up", question=OLD_SECRET, topic="land", engine=engine)
    old_down = records.add_feedback("web:ancient", "web", rating="down", question=OLD_SECRET, topic="land", engine=engine)
    records.attach_comment(old_down, "thiếu hướng dẫn sổ đỏ", engine=engine)
    old_handoff = records.add_handoff("web:ancient", "web", OLD_SECRET, [{"from": "citizen", "text": OLD_SECRET}], engine=engine)
    records.add_handoff("fb:5566778899", "facebook", "cho tôi gặp cán bộ", [{"from": "citizen", "text": "gặp cán bộ"}], engine=engine)
    desk.claim(engine, "web:ancient", "web", old_handoff, now - OLD)
    desk.note_citizen(engine, desk.owner_of(engine, "web:ancient"), OLD_SECRET, now - OLD + 1, contact="0912345678")
    desk.add_staff_message(engine, "web:ancient", "web", "lan", "Chào bạn", now - OLD + 2, desk.KEPT, handoff_id=old_handoff)
    with engine.begin() as conn:
        conn.execute(feedback.update().where(feedback.c.id == recent).values(created_at=stored(engine, now)))
        conn.execute(feedback.update().where(feedback.c.id.in_([old_up, old_down])).values(created_at=stored(engine, now - OLD)))
        conn.execute(handoffs.update().where(handoffs.c.id == old_handoff).values(created_at=stored(engine, now - OLD)))
    return engine


def counts(report):
    return {"turns": report["turns"], "satisfaction": report["satisfaction"], "open_handoffs": len(report["open_handoffs"])}


def test_purge_deletes_old_conversations_and_keeps_the_report_counts(url):
    now = midday()
    engine = populate(url, now)
    moment = dt.datetime.fromtimestamp(now, dt.timezone.utc) + dt.timedelta(minutes=5)
    window = build_report(engine, days=30, now=moment)  # the default report period
    since_old = build_report(engine, since=(moment - dt.timedelta(days=120)).date(), now=moment)

    done = privacy.purge(engine, 90, now=moment)
    assert done == {"events_deleted": 3, "feedback_anonymised": 2, "handoffs_anonymised": 1, "desk_messages_deleted": 2,
                    **NO_CAMPAIGN_PURGE}
    assert counts(build_report(engine, days=30, now=moment)) == counts(window)
    after = build_report(engine, since=(moment - dt.timedelta(days=120)).date(), now=moment)
    assert after["satisfaction"] == since_old["satisfaction"]  # ratings and comments, by topic and day
    assert len(after["open_handoffs"]) == len(since_old["open_handoffs"])
    assert since_old["turns"]["total"] == window["turns"]["total"] + 2  # web:old (40 days) and web:ancient
    assert after["turns"]["total"] == window["turns"]["total"] + 1  # web:ancient's turn is gone: events are the limit

    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'web:ancient'")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'web:old'")).scalar_one() > 0  # 40 days: kept
        tables = ("feedback", "handoffs", "desk_messages", "conversation_owner")
        text = " ".join(str(v) for t in tables for row in conn.execute(sa.text(f"SELECT * FROM {t}")) for v in row)
    assert OLD_SECRET not in text and "web:ancient" not in text and "sổ đỏ" not in text and "0912345678" not in text
    assert privacy.purge(engine, 90, now=moment) == {"events_deleted": 0, "feedback_anonymised": 0, "handoffs_anonymised": 0,
                                                     "desk_messages_deleted": 0, **NO_CAMPAIGN_PURGE}


def test_erase_removes_one_citizen_only(url):
    now = midday()
    engine = populate(url, now)
    tables = (("events", "sender_id"), ("feedback", "conversation_id"), ("handoffs", "conversation_id"),
              ("desk_messages", "conversation_id"), ("conversation_owner", "conversation_id"))

    def rows(sender):
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE {c} = :s"), {"s": sender}).scalar_one() for t, c in tables}

    others = {s: rows(s) for s in ("web:alice", "fb:5566778899", "web:bob")}
    exported = privacy.export(engine, "web:ancient")
    assert len(exported["feedback"]) == 2 and len(exported["handoffs"]) == 1 and len(exported["desk_messages"]) == 2
    assert exported["handoffs"][0]["contact"] == "0912345678" and exported["conversation_owner"][0]["owner"] == "staff"
    assert [e["data"]["text"] for e in exported["conversation_events"] if e["type"] == "user"] == [OLD_SECRET]
    assert privacy.erase(engine, "web:ancient") == {"events": 3, "feedback": 2, "handoffs": 1, "desk_messages": 2,
                                                    "conversation_owner": 1, **NO_CAMPAIGN_ERASE}
    assert rows("web:ancient") == {"events": 0, "feedback": 0, "handoffs": 0, "desk_messages": 0, "conversation_owner": 0}
    assert {s: rows(s) for s in others} == others
    with engine.connect() as conn:
        for table, _ in tables:
            assert "ancient" not in " ".join(str(v) for row in conn.execute(sa.text(f"SELECT * FROM {table}")) for v in row)


@pytest.mark.parametrize("given,expected", [
    ("web:abc", ("web", "abc", "web:abc")),
    ("zalo:123", ("zalo", "123", "zalo:123")),
    ("facebook:456", ("facebook", "456", "fb:456")),
    ("fb:456", ("facebook", "456", "fb:456")),
])
def test_sender_ids_as_the_gateway_forms_them(given, expected):
    assert privacy.sender_of(given) == expected


@pytest.mark.parametrize("bad", ["", "web", "web:", "telegram:1", "web: x", "web:a\nb", ":abc"])
def test_malformed_users_are_refused(bad):
    with pytest.raises(privacy.BadUser):
        privacy.sender_of(bad)


def test_serve_purges_at_start_and_keeps_purging(tmp_path):
    """dvc-bot serve's retention thread: a round at once, the next after `every_s`, until stopped."""
    import threading

    from common.settings import Settings
    from dvcbot.supervisor import _purge_daily

    settings = Settings(data_dir=tmp_path, database_url="")
    engine = populate(settings.db_url, midday())
    stop = threading.Event()
    thread = threading.Thread(target=_purge_daily, args=(settings, stop, 0.2), daemon=True)
    thread.start()

    def ancient():
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'web:ancient'")).scalar_one()

    import time
    deadline = time.monotonic() + 20
    while ancient() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ancient() == 0
    save(settings.db_url, {"web:ancient2": [user("cũ", midday() - OLD, "web")]})  # lands after the first round
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'web:ancient2'")).scalar_one():
                break
        time.sleep(0.05)
    else:
        raise AssertionError("the second round did not purge")
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
