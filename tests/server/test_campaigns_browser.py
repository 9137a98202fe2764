"""A campaign in Debian's headless chromium (playwright-core, no browser download): a citizen in
the real widget gets the opt-in offer after a relevant answer and presses its button; the admin
signs in to the console, previews and sends a campaign; the citizen opens the widget again and
reads it; the report counts it as shown. The gateway runs against the fake Rasa."""
import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT, absent
from tests.server.campaign_helpers import consent_list
from tests.server.desk_helpers import TOKEN
from tests.server.test_staff_browser import CHROMIUM, PLAYWRIGHT


def test_opt_in_preview_send_and_read_in_a_real_browser(platform, start_gateway, tmp_path):
    if not Path(CHROMIUM).exists():
        absent(f"Debian chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it with apt-get)")
    assert shutil.which("node"), "node is missing: run scripts/setup.sh"
    assert PLAYWRIGHT.is_dir(), "web/node_modules missing: run scripts/setup.sh"
    gateway = start_gateway(staff_token=TOKEN, campaign_hours="00:00-24:00", campaign_poll_s=0.2)

    shots = tmp_path / "campaign"
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "browser" / "campaign_check.cjs"), gateway.base, CHROMIUM, str(PLAYWRIGHT), TOKEN, str(shots)],
        capture_output=True, text=True, timeout=240, env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen.get("error")

    assert "HỦY NHẬN TIN" in seen["offer"] and seen["buttons"] == ["Đăng ký nhận tin"]
    assert "Bạn đã đăng ký nhận tin" in seen["confirmation"]
    [record] = consent_list(gateway)
    assert record["method"] == "button" and record["channel"] == "web" and "Bạn có muốn nhận thông báo" in record["wording"]

    assert seen["listUrl"] == f"{gateway.base}/staff/campaigns"
    assert seen["preview"].strip().endswith("nhắn HỦY NHẬN TIN")
    assert seen["previewRows"] == ["Web 1 1 0"]
    assert seen["afterSend"].startswith("Đã tạo chiến dịch") and seen["campaignUrl"].startswith(f"{gateway.base}/staff/campaigns/1")
    assert seen["notice"].startswith("Cảnh báo: trang web giả mạo") and seen["notice"].endswith("nhắn HỦY NHẬN TIN")
    assert any(row.startswith("Web 1 1 (đã hiện 1) 0 0 0") for row in seen["report"]), seen["report"]
    assert not seen["staffErrors"], seen["staffErrors"]
    assert all("fonts.googleapis.com" in error for error in seen["citizenErrors"]), seen["citizenErrors"]
    for key in ("citizenRequests", "staffRequests"):  # nothing loaded from elsewhere
        loaded = [r["url"] for r in seen[key] if r["outcome"] == "ok"]
        assert loaded and all(url.startswith(gateway.base + "/") or url == "about:blank" for url in loaded), key
    assert (tmp_path / "campaign-staff.png").stat().st_size > 10_000
