"""Privacy at rest, end to end through `dvc-bot serve` (real Rasa, its SQLite tracker store, the
real actions and gateway): a conversation carrying a CCCD number, a phone number and an email
leaves none of them in any table; `dvc-bot privacy export/erase` find and remove one citizen's
rows and leave the others' alone."""
import json
import sqlite3
import subprocess

import httpx
import pytest

from server import texts
from tests.conftest import DVC_BOT, ROOT

pytestmark = pytest.mark.slow

CCCD, PHONE, EMAIL = "001099012345", "0912345678", "nguyen.van.a@gmail.com"
SECRETS = (CCCD, PHONE, EMAIL, "0912 345 678")
X, Y = "citizen-x", "citizen-y"
CONVERSATION = [
    f"Tôi muốn làm lại thẻ căn cước, số CCCD của tôi là {CCCD}",
    "Làm thẻ căn cước mất bao lâu?",
    "/rate_bad",
    f"thiếu lệ phí, gọi lại cho tôi số {PHONE} hoặc email {EMAIL}",
    f"/ask_human",
    "số của tôi 0912 345 678",
]


def dump(path):
    """Every row of every table of a SQLite file, as SQL text (reads through the WAL)."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def cli(env, *args):
    return subprocess.run([DVC_BOT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def conversation(shared_stack):
    """Two citizens' conversations through the shared `dvc-bot serve` stack (tests/after_model.py);
    its tables are read while it runs (through the WAL), as an operator's export would."""
    env, var, base = shared_stack.env, shared_stack.var, shared_stack.base
    replies = {}
    for sender, messages in ((X, CONVERSATION), (Y, ["Làm hộ chiếu mất bao lâu?", "/ask_human"])):
        for text in messages:
            response = httpx.post(f"{base}/webhooks/web", json={"sender": sender, "message": text}, timeout=30)
            assert response.status_code == 200, response.text
            replies.setdefault(sender, []).append([m["text"] for m in response.json()["messages"]])
    return env, var, replies


def test_no_table_holds_the_personal_numbers(conversation):
    env, var, replies = conversation
    notices = [turn.count(texts.PRIVACY_NOTICE) for turn in replies[X]]
    assert notices == [1, 0, 0, 0, 0, 0]  # told once, on the first masked turn
    assert texts.PRIVACY_NOTICE not in sum(replies[Y], [])
    db = dump(var / "dvcbot.db")
    assert f"web:{X}" in db
    for label in ("[số giấy tờ]", "[số điện thoại]", "[email]"):  # Rasa writes JSON with \u escapes
        assert label in db or json.dumps(label)[1:-1] in db, label
    for path in sorted(var.glob("*.db")):
        text = dump(path)
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, f"{path.name} holds {leaked}"
    with sqlite3.connect(var / "dvcbot.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM handoffs WHERE conversation_id = ?", (f"web:{X}",)).fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM feedback WHERE conversation_id = ?", (f"web:{X}",)).fetchone()[0] >= 1


def test_export_then_erase_one_citizen(conversation):
    env, var, _ = conversation
    with sqlite3.connect(var / "dvcbot.db") as conn:
        others_before = {t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE {c} = ?", (f"web:{Y}",)).fetchone()[0]
                         for t, c in (("events", "sender_id"), ("feedback", "conversation_id"), ("handoffs", "conversation_id"))}
    assert others_before["events"] and others_before["handoffs"] == 1

    exported = cli(env, "privacy", "export", "--user", f"web:{X}", "--json")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["found"] and data["sender_id"] == f"web:{X}"
    said = [e["data"]["text"] for e in data["conversation_events"] if e["type"] == "user"]
    assert said[0] == "Tôi muốn làm lại thẻ căn cước, số CCCD của tôi là [số giấy tờ]"
    assert len(data["handoffs"]) == 1 and data["feedback"]

    erased = cli(env, "privacy", "erase", "--user", f"web:{X}")
    assert erased.returncode == 0, erased.stderr
    assert f"deleted about web:{X}" in erased.stdout and "events " in erased.stdout
    for path in sorted(var.glob("*.db")):
        assert X not in dump(path), path.name  # no row mentions X's sender id
    with sqlite3.connect(var / "dvcbot.db") as conn:
        others_after = {t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE {c} = ?", (f"web:{Y}",)).fetchone()[0]
                        for t, c in (("events", "sender_id"), ("feedback", "conversation_id"), ("handoffs", "conversation_id"))}
    assert others_after == others_before

    again = cli(env, "privacy", "erase", "--user", f"web:{X}")
    assert again.returncode == 0 and "nothing is stored" in again.stdout
    unknown = cli(env, "privacy", "export", "--user", "zalo:nobody")
    assert unknown.returncode == 0 and "nothing is stored about zalo:nobody" in unknown.stdout
    for bad in ("web", "web:", "telegram:1", "web: x"):
        result = cli(env, "privacy", "erase", "--user", bad)
        assert result.returncode == 2 and result.stderr.startswith("dvc-bot privacy erase: "), (bad, result.stderr)
