"""The staff console and the website widget in Debian's headless chromium (playwright-core, no
browser download): a citizen asks for a person in the real widget, a staff member signs in,
takes the request from the queue and replies; the widget shows it live, shows a reply written
while it was away when it comes back, and says when the bot answers again. The gateway runs
against the fake Rasa (which records a real handoff request)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

from store import staff as accounts
from store.db import engine_for
from tests.conftest import ROOT, absent
from tests.server.desk_helpers import TOKEN, shared_db

CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT = ROOT / "web" / "node_modules" / "playwright-core"


def test_queue_to_reply_in_a_real_browser(platform, start_gateway, tmp_path):
    if not Path(CHROMIUM).exists():
        absent(f"Debian chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it with apt-get)")
    assert shutil.which("node"), "node is missing: run scripts/setup.sh"
    assert PLAYWRIGHT.is_dir(), "web/node_modules missing: run scripts/setup.sh"
    gateway = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = gateway.settings.db_url
    accounts.add_user(engine_for(gateway.settings.db_url), "lan", "mat-khau-cua-lan-2026", "Nguyễn Thị Lan")

    shots = tmp_path / "console"
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "browser" / "staff_check.cjs"), gateway.base, CHROMIUM, str(PLAYWRIGHT),
         "lan", "mat-khau-cua-lan-2026", str(shots)],
        capture_output=True, text=True, timeout=240, env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen.get("error")

    assert "YC-1" in seen["handoff"]
    assert seen["signInUrl"] == f"{gateway.base}/staff/login" and seen["queueUrl"] == f"{gateway.base}/staff/queue"
    [row] = seen["queue"]
    assert row.startswith("YC-1") and "chờ cán bộ" in row and "Web" in row and "gặp cán bộ" in row
    assert any(line.startswith("Công dân") and "gặp cán bộ" in line for line in seen["thread"])
    assert seen["afterReply"] == "Đã gửi trả lời."
    assert "cán bộ Lan" in seen["live"]  # shown live over socket.io
    assert any("chờ công dân mở lại trang web" in state for state in seen["keptState"])
    assert seen["afterReturn"] == "Bạn còn cần hỏi gì thêm không?"  # shown when the widget came back
    assert seen["afterRelease"] == "Đã trả cuộc trò chuyện lại cho trợ lý ảo."
    assert "trả lời tự động" in seen["backToBot"]
    assert not seen["staffErrors"], seen["staffErrors"]
    # the widget bundle's web-font import is blocked by the widget page's CSP, nothing else fails
    assert all("fonts.googleapis.com" in error for error in seen["citizenErrors"]), seen["citizenErrors"]
    for key in ("citizenRequests", "staffRequests"):  # nothing loaded from elsewhere
        loaded = [r["url"] for r in seen[key] if r["outcome"] == "ok"]
        assert loaded and all(url.startswith(gateway.base + "/") or url == "about:blank" for url in loaded), key
    assert (tmp_path / "console-staff.png").stat().st_size > 10_000
    delivered = shared_db(gateway).execute("SELECT delivery FROM desk_messages WHERE author = 'staff' ORDER BY id").fetchall()
    assert delivered == [("delivered",), ("delivered",)]
