"""Staff pages of the real gateway: /staff/report (HTML with charts) and /staff/report.json,
behind STAFF_TOKEN (Bearer header or ?token=); off (404) when the token is unset."""
import datetime as dt
import logging

import pytest

from tests.store.report_data import RAW_SECRETS, VIETNAM, midday, populate

TOKEN = "staff-token-0123456789abcdef"


@pytest.fixture
def staff_gateway(start_gateway, tmp_path):
    path = tmp_path / "store.db"
    when = midday()  # the recent ratings on that day, the older one two days before
    populate(path, now=when)
    gateway = start_gateway(staff_token=TOKEN, database_url=f"sqlite:///{path}")
    gateway.day = dt.datetime.fromtimestamp(when, VIETNAM).date().isoformat()
    return gateway


def test_staff_report_needs_the_token(staff_gateway, client):
    base = staff_gateway.base
    for path in ("/staff/report", "/staff/report.json"):
        assert client.get(base + path).status_code == 403
        assert client.get(base + path, params={"token": "wrong"}).status_code == 403
        assert client.get(base + path, headers={"Authorization": "Bearer " + TOKEN[:-1]}).status_code == 403
        assert client.get(base + path, headers={"Authorization": "Basic " + TOKEN}).status_code == 403
    ok = client.get(base + "/staff/report.json", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    report = ok.json()
    assert report["turns"]["total"] == 9 and report["satisfaction"]["ratings"] == 3
    assert len(report["open_handoffs"]) == 1
    assert client.get(base + "/staff/report.json", params={"token": TOKEN, "since": staff_gateway.day}).json()["satisfaction"]["ratings"] == 2


def test_staff_html_page_has_charts_and_no_personal_data(staff_gateway, client):
    page = client.get(f"{staff_gateway.base}/staff/report", params={"token": TOKEN, "days": 30})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count("data:image/png;base64,") == 4
    assert "Yêu cầu gặp cán bộ đang mở (1)" in page.text
    for secret in RAW_SECRETS:
        assert secret not in page.text
    assert client.get(f"{staff_gateway.base}/staff/report", params={"token": TOKEN, "since": "hôm qua"}).status_code == 422


def test_staff_pages_are_off_without_a_token(start_gateway, client, caplog):
    caplog.set_level(logging.WARNING)
    gateway = start_gateway(staff_token="")
    for path in ("/staff/report", "/staff/report.json"):
        assert client.get(gateway.base + path).status_code == 404
        assert client.get(gateway.base + path, params={"token": ""}).status_code == 404
        assert client.get(gateway.base + path, headers={"Authorization": "Bearer x"}).status_code == 404
    assert any("staff pages disabled" in r.getMessage() for r in caplog.records)


def test_staff_paths_are_not_citizen_channels(staff_gateway, client):
    spec = client.get(f"{staff_gateway.base}/openapi.json").json()
    for path in ("/staff/report", "/staff/report.json"):
        assert spec["paths"][path]["get"]["tags"] == ["staff"]
