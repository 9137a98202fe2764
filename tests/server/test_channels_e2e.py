"""End to end through `dvc-bot serve` (real Rasa, real actions, the real gateway process):
signed Zalo and Messenger webhooks answered through a local fake Zalo/Graph server, duplicate
deliveries answered once, and the website widget driven in headless Chromium."""
import concurrent.futures
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, absent
from tests.fakes import facebook_sig, messenger_body, messenger_text, wait_for, zalo_mac, zalo_text_event

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT = ROOT / "web" / "node_modules" / "playwright-core"


@pytest.fixture(scope="module")
def fake_platform(shared_stack):
    """The fake Zalo OA and Graph API servers the shared stack talks to."""
    return shared_stack.fake


@pytest.fixture(scope="module")
def e2e_var(shared_stack):
    """The served gateway's data folder (its inbox and outbox: gateway.db)."""
    return shared_stack.var


@pytest.fixture(scope="module")
def served(shared_stack):
    """The `dvc-bot serve` stack shared with other end-to-end modules (tests/after_model.py)."""
    return shared_stack.base


def post_zalo(base, body):
    raw = json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(f"{base}/webhooks/zalo", content=raw, timeout=10, headers={
        "content-type": "application/json", "X-ZEvent-Signature": zalo_mac("app-1", raw, body["timestamp"], "oa-secret-key")})


def post_facebook(base, body):
    raw = json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(f"{base}/webhooks/facebook", content=raw, timeout=10, headers={
        "content-type": "application/json", "X-Hub-Signature-256": facebook_sig("fb-app-secret", raw)})


def zalo_texts(fake, user):
    return [r["json"]["message"]["text"] for r in fake.sent("zalo") if r["json"]["recipient"]["user_id"] == user]


def test_health_lists_the_channels(served):
    body = httpx.get(f"{served}/health").json()
    assert body["channels"] == {"web": "on", "zalo": "on", "facebook": "on"}


def test_zalo_question_answered_through_rasa(served, fake_platform):
    assert post_zalo(served, zalo_text_event("e2e-z1", "Làm thẻ căn cước mất bao lâu?", "e2e-m1")).json() == {"status": "accepted"}
    [text] = wait_for(lambda: zalo_texts(fake_platform, "e2e-z1"), 60, "zalo answer")
    assert "7 ngày làm việc" in text and "Nguồn:" in text


def test_zalo_buttons_by_number(served, fake_platform):
    post_zalo(served, zalo_text_event("e2e-z2", "Thủ tục này mất bao lâu?", "e2e-m2"))
    [menu] = wait_for(lambda: zalo_texts(fake_platform, "e2e-z2"), 60, "zalo menu")
    assert "1. Căn cước" in menu and "3. Hộ chiếu" in menu
    post_zalo(served, zalo_text_event("e2e-z2", "3", "e2e-m3"))
    texts = wait_for(lambda: len(zalo_texts(fake_platform, "e2e-z2")) == 2 and zalo_texts(fake_platform, "e2e-z2"), 60)
    assert "hộ chiếu" in texts[1] and "ngày làm việc" in texts[1]


def test_duplicate_zalo_deliveries_answered_once(served, fake_platform, e2e_var):
    body = zalo_text_event("e2e-z3", "Làm hộ chiếu mất bao lâu?", "e2e-dup")
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        statuses = [r.json()["status"] for r in pool.map(lambda _: post_zalo(served, body), range(5))]
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 4
    wait_for(lambda: zalo_texts(fake_platform, "e2e-z3"), 60)
    # every acknowledged event processed (its inbox row goes once its replies are handed over):
    # a second reply, if any, would have been sent by now
    inbox = sqlite3.connect(e2e_var / "gateway.db")
    wait_for(lambda: inbox.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0, 60, "inbox emptied")
    assert len(zalo_texts(fake_platform, "e2e-z3")) == 1


def test_messenger_quick_replies_round_trip(served, fake_platform):
    assert post_facebook(served, messenger_body(messenger_text("e2e-f1", "Thủ tục này mất bao lâu?", "e2e.mid.1"))).status_code == 200
    [menu] = wait_for(lambda: fake_platform.sent("graph"), 60, "messenger menu")
    message = menu["json"]["message"]
    assert menu["json"]["messaging_type"] == "RESPONSE" and menu["query"]["access_token"] == "page-token"
    assert [q["title"] for q in message["quick_replies"]][:3] == ["Căn cước", "Khai sinh", "Hộ chiếu"]
    payload = message["quick_replies"][0]["payload"]
    post_facebook(served, messenger_body(messenger_text("e2e-f1", "Căn cước", "e2e.mid.2", quick_reply={"payload": payload})))
    # the answer may be followed by other messages of the same turn (e.g. "was this useful?")
    later = wait_for(lambda: [m["json"]["message"].get("text", "") for m in fake_platform.sent("graph")[1:]
                              if "7 ngày làm việc" in m["json"]["message"].get("text", "")], 60, "the căn cước answer")
    assert later


def test_forged_calls_rejected_by_the_served_gateway(served, fake_platform):
    body = zalo_text_event("e2e-z4", "xin chào", "e2e-forged")
    raw = json.dumps(body).encode()
    assert httpx.post(f"{served}/webhooks/zalo", content=raw, headers={"X-ZEvent-Signature": "mac=" + "a" * 64}).status_code == 403
    raw = json.dumps(messenger_body(messenger_text("e2e-f2", "xin chào", "e2e.mid.forged"))).encode()
    assert httpx.post(f"{served}/webhooks/facebook", content=raw).status_code == 403


def test_widget_in_headless_chromium(served, tmp_path):
    if not Path(CHROMIUM).exists():
        absent(f"Debian chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it with apt-get)")
    assert shutil.which("node"), "node is missing: run scripts/setup.sh"
    assert PLAYWRIGHT.is_dir(), "web/node_modules missing: run scripts/setup.sh"
    screenshot = tmp_path / "widget.png"
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "browser" / "widget_check.cjs"), served, CHROMIUM, str(PLAYWRIGHT), str(screenshot)],
        capture_output=True, text=True, timeout=240, env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen.get("error")
    assert seen["greeting"].startswith("Xin chào")
    assert seen["buttons"][:3] == ["Căn cước", "Khai sinh", "Hộ chiếu"]
    assert "hộ chiếu" in seen["afterClick"] and "ngày làm việc" in seen["afterClick"]  # the button worked
    assert "7 ngày làm việc" in seen["answer"] and "Nguồn:" in seen["answer"]
    assert seen["userMessages"] == ["Thủ tục này mất bao lâu?", "Hộ chiếu", "Làm thẻ căn cước mất bao lâu?"]
    assert screenshot.stat().st_size > 10_000
    # everything the page loaded came from the gateway; the bundle's web-font @import was blocked
    loaded = [r["url"] for r in seen["requests"] if r["outcome"] == "ok"]
    assert loaded and all(url.startswith(served + "/") for url in loaded)
    assert all(r["outcome"] == "csp" for r in seen["requests"] if not r["url"].startswith(served + "/"))
