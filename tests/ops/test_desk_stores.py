"""The staff desk's tables on a real SQLite file and a real PostgreSQL (DATABASE_URL): the
ownership states, the thread, kept web messages taken once, accounts and sessions."""
import time

import pytest

from store import desk
from store import staff as accounts
from store.db import engine_for
from store.records import add_handoff


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        return engine_for(f"sqlite:///{tmp_path / 'desk.db'}")
    return engine_for(request.getfixturevalue("fresh_pg_url"))


def test_a_conversation_goes_to_staff_and_back(engine):
    now = time.time()
    first = add_handoff("zalo:1", "zalo", "gặp cán bộ", [{"from": "citizen", "text": "gặp cán bộ", "at": now}], engine=engine)
    assert desk.claim(engine, "zalo:1", "zalo", first, now) == first
    owner = desk.owner_of(engine, "zalo:1")
    assert (owner["owner"], owner["handoff_id"], owner["waiting_since"], owner["replies_since"]) == ("waiting", first, now, 0)
    assert desk.mark_told(engine, "zalo:1", "held") and not desk.mark_told(engine, "zalo:1", "held")

    desk.note_citizen(engine, owner, "số tôi 0912345678", now + 5, contact="0912345678")
    desk.note_sent(engine, "zalo:1", 2)
    second = add_handoff("zalo:1", "zalo", "gặp cán bộ nữa", [], engine=engine)
    assert desk.claim(engine, "zalo:1", "zalo", second, now + 6) == first  # merged into the open one
    assert desk.get_handoff(engine, second)["status"] == "merged"

    desk.add_staff_message(engine, "zalo:1", "zalo", "lan", "Chào bạn", now + 60, desk.OUTBOX, handoff_id=first)
    owner = desk.owner_of(engine, "zalo:1")
    assert (owner["owner"], owner["waiting_since"], owner["replies_since"], owner["last_citizen_at"]) == ("staff", None, 2, now + 5)
    [row] = desk.requests(engine, desk.OPEN, now + 120)
    assert row["id"] == first and row["waiting_s"] == 0 and row["contact"] == "0912345678" and row["first_response_at"] == now + 60
    assert [(m["from"], m["text"]) for m in desk.thread(engine, row)] == [
        ("citizen", "gặp cán bộ"), ("citizen", "số tôi [số điện thoại]"), ("staff", "Chào bạn")]

    desk.give_back(engine, first, "lan", now + 200, close=False)
    assert desk.owner_of(engine, "zalo:1")["owner"] == "bot" and desk.get_handoff(engine, first)["status"] == "released"
    with pytest.raises(desk.Refused):
        desk.give_back(engine, first, "lan", now + 201, close=False)
    desk.give_back(engine, first, "lan", now + 300, close=True)
    assert desk.get_handoff(engine, first)["handled_by"] == "lan"
    with pytest.raises(KeyError):
        desk.give_back(engine, 999, "lan", now, close=True)


def test_a_kept_web_message_is_taken_once(engine):
    request = add_handoff("web:abc", "socketio", "gặp cán bộ", [], engine=engine)
    message = desk.add_staff_message(engine, "web:abc", "web", "lan", "Chào bạn", time.time(), desk.KEPT, handoff_id=request)
    assert [m["id"] for m in desk.kept_for(engine, ["web:abc", "web:other"])] == [message]
    assert desk.take_kept(engine, message) and not desk.take_kept(engine, message)  # a second worker gets nothing
    assert desk.kept_for(engine, ["web:abc"]) == [] and desk.kept_for(engine, []) == []


def test_accounts_and_sessions(engine):
    accounts.add_user(engine, "Lan.Nguyen", "mat-khau-dai-du", "Lan")
    with pytest.raises(accounts.BadAccount):
        accounts.add_user(engine, "lan.nguyen", "mat-khau-dai-du")
    assert accounts.authenticate(engine, "LAN.NGUYEN", "mat-khau-dai-du") == "lan.nguyen"
    assert accounts.authenticate(engine, "lan.nguyen", "sai") is None and accounts.authenticate(engine, "khong-co", "x") is None
    cookie, csrf = accounts.new_session(engine, "lan.nguyen", "staff", hours=1)
    assert accounts.session(engine, cookie, "k") == {"username": "lan.nguyen", "role": "staff", "csrf": csrf}
    accounts.set_active(engine, "lan.nguyen", False)
    assert accounts.session(engine, cookie, "k") is None
    admin, _ = accounts.new_session(engine, "admin", "admin", hours=1, key=accounts.admin_key("token-1"))
    assert accounts.session(engine, admin, accounts.admin_key("token-1"))["role"] == "admin"
    assert accounts.session(engine, admin, accounts.admin_key("token-2")) is None
    expired, _ = accounts.new_session(engine, "admin", "admin", hours=-1, key=accounts.admin_key("token-1"))
    assert accounts.session(engine, expired, accounts.admin_key("token-1")) is None
