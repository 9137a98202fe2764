"""The staff console's pages through the real gateway: signing in (accounts with scrypt hashes,
the admin with STAFF_TOKEN), sessions, CSRF on every form, admin-only pages, and a reply from
the request's page reaching the citizen on Zalo."""
import re
import sqlite3

import httpx
import pytest

from store import staff as accounts
from store.db import engine_for
from tests.fakes import wait_for
from tests.server.desk_helpers import TOKEN, hands_over, request_of, shared_db, zalo_texts

PASSWORD = "mat-khau-cua-lan-2026"


@pytest.fixture
def console(start_gateway, platform):
    gateway = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = gateway.settings.db_url
    accounts.add_user(engine_for(gateway.settings.db_url), "lan", PASSWORD, "Nguyễn Thị Lan")
    return gateway


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def browser():
    return httpx.Client(timeout=10, follow_redirects=False)


def sign_in(gateway, username="lan", password=PASSWORD) -> httpx.Client:
    client = browser()
    form = client.get(f"{gateway.base}/staff/login")
    response = client.post(f"{gateway.base}/staff/login", data={"csrf": csrf_of(form.text), "username": username, "password": password})
    assert response.status_code == 303 and response.headers["location"] == "/staff/queue", response.text
    return client


def test_pages_ask_to_sign_in_and_the_sign_in_page_loads_nothing_from_elsewhere(console):
    with browser() as client:
        for path in ("/staff/", "/staff/queue", "/staff/handoffs/1", "/staff/feedback", "/staff/feedback/1", "/staff/audit", "/staff/accounts"):
            response = client.get(console.base + path)
            assert response.status_code == 303 and response.headers["location"] == "/staff/login", path
        form = client.get(console.base + "/staff/login")
    assert form.status_code == 200 and 'lang="vi"' in form.text
    assert "default-src 'none'" in form.headers["content-security-policy"] and form.headers["cache-control"] == "no-store"
    assert "http://" not in form.text and "https://" not in form.text and "<script" not in form.text
    cookie = form.headers["set-cookie"]
    assert "dvc_login=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_staff_account_signs_in_with_its_password_only(console):
    session = sign_in(console)
    cookie = next(h for h in session.cookies.jar if h.name == "dvc_staff")
    assert cookie.path == "/staff" and cookie.has_nonstandard_attr("HttpOnly")
    assert session.get(console.base + "/staff/queue").status_code == 200
    stored = shared_db(console).execute("SELECT password_hash FROM staff_users WHERE username = 'lan'").fetchone()[0]
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored
    assert cookie.value not in str(shared_db(console).execute("SELECT * FROM staff_sessions").fetchall())  # only its hash

    with browser() as other:
        form = other.get(console.base + "/staff/login")
        wrong = other.post(console.base + "/staff/login", data={"csrf": csrf_of(form.text), "username": "lan", "password": PASSWORD + "x"})
        assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text and "dvc_staff" not in other.cookies
    audit = shared_db(console).execute("SELECT actor, action FROM staff_audit ORDER BY id").fetchall()
    assert audit == [("lan", "login"), ("lan", "login_failed")]


def test_the_admin_signs_in_with_the_staff_token_until_it_changes(console, start_gateway, tmp_path):
    admin = sign_in(console, "admin", TOKEN)
    assert admin.get(console.base + "/staff/audit").status_code == 200
    assert admin.get(console.base + "/staff/accounts").status_code == 200
    rotated = start_gateway(staff_token=TOKEN + "-moi", office_hours="always", database_url=console.settings.db_url,
                            data_dir=tmp_path / "rotated")
    admin.cookies.set("dvc_staff", admin.cookies.get("dvc_staff"), domain="127.0.0.1", path="/staff")
    assert admin.get(rotated.base + "/staff/queue").status_code == 303  # the old token's session is over


def test_wrong_sign_ins_are_throttled(console):
    with browser() as client:
        for _ in range(5):
            form = client.get(console.base + "/staff/login")
            client.post(console.base + "/staff/login", data={"csrf": csrf_of(form.text), "username": "lan", "password": "sai-mat-khau"})
        form = client.get(console.base + "/staff/login")
        blocked = client.post(console.base + "/staff/login", data={"csrf": csrf_of(form.text), "username": "lan", "password": PASSWORD})
    assert blocked.status_code == 429 and "15 phút" in blocked.text


@pytest.mark.parametrize("case", ["no-token", "wrong-token", "cross-site"])
def test_the_sign_in_form_needs_its_csrf_token_and_this_origin(console, case):
    with browser() as client:
        form = client.get(console.base + "/staff/login")
        data = {"username": "lan", "password": PASSWORD}
        headers = {}
        if case == "wrong-token":
            data["csrf"] = csrf_of(form.text)[:-2] + "xx"
        if case == "cross-site":
            data["csrf"], headers = csrf_of(form.text), {"Origin": "https://evil.example"}
        response = client.post(console.base + "/staff/login", data=data, headers=headers)
    assert response.status_code == 403 and "dvc_staff" not in response.headers.get("set-cookie", "")


def test_every_form_needs_the_sessions_csrf_token(platform, console):
    request = hands_over(httpx.Client(timeout=10), console, "8801")
    session = sign_in(console)
    page = session.get(f"{console.base}/staff/handoffs/{request['id']}")
    assert page.status_code == 200 and page.text.count('name="csrf"') == 4  # reply, release, close, sign out
    token = csrf_of(page.text)
    forms = [(f"/staff/handoffs/{request['id']}/reply", {"text": "giả mạo"}), (f"/staff/handoffs/{request['id']}/release", {}),
             (f"/staff/handoffs/{request['id']}/close", {}), ("/staff/feedback/1/handled", {}), ("/staff/logout", {})]
    for path, data in forms:
        assert session.post(console.base + path, data=data).status_code == 403, path
        assert session.post(console.base + path, data={**data, "csrf": token + "x"}).status_code == 403, path
        assert session.post(console.base + path, data={**data, "csrf": token}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert request_of(httpx.Client(timeout=10), console, request["id"])["status"] == "open"
    assert "giả mạo" not in zalo_texts(platform, "8801")
    with browser() as stranger:  # no session at all
        assert stranger.post(f"{console.base}/staff/handoffs/{request['id']}/close", data={"csrf": token}).status_code == 403


def test_a_reply_from_the_request_page_reaches_the_citizen(platform, console):
    request = hands_over(httpx.Client(timeout=10), console, "8802")
    session = sign_in(console)
    queue = session.get(console.base + "/staff/queue")
    assert f'href="/staff/handoffs/{request["id"]}"' in queue.text and "chờ cán bộ" in queue.text
    page = session.get(f"{console.base}/staff/handoffs/{request['id']}")
    done = session.post(f"{console.base}/staff/handoffs/{request['id']}/reply",
                        data={"csrf": csrf_of(page.text), "text": "Chào bạn, mình là Lan ở bộ phận một cửa."})
    assert done.status_code == 303 and done.headers["location"] == f"/staff/handoffs/{request['id']}?ok=reply"
    wait_for(lambda: "Chào bạn, mình là Lan ở bộ phận một cửa." in zalo_texts(platform, "8802"))
    after = session.get(console.base + done.headers["location"])
    assert "Đã gửi trả lời." in after.text and "Cán bộ (lan)" in after.text
    empty = session.post(f"{console.base}/staff/handoffs/{request['id']}/reply", data={"csrf": csrf_of(page.text), "text": "  "})
    assert empty.status_code == 422 and "the text is empty" in empty.text
    assert shared_db(console).execute("SELECT actor, action FROM staff_audit WHERE action = 'reply'").fetchall() == [("lan", "reply")]


def test_staff_are_refused_admin_pages_and_a_disabled_account_is_out_at_once(console):
    session = sign_in(console)
    assert session.get(console.base + "/staff/audit").status_code == 403
    assert session.get(console.base + "/staff/accounts").status_code == 403
    token = csrf_of(session.get(console.base + "/staff/queue").text)
    assert session.post(console.base + "/staff/accounts", data={"csrf": token, "username": "x1", "password": "y" * 12}).status_code == 403
    admin = sign_in(console, "admin", TOKEN)
    admin_token = csrf_of(admin.get(console.base + "/staff/accounts").text)
    assert admin.post(console.base + "/staff/accounts/lan/active", data={"csrf": admin_token}).status_code == 303
    assert session.get(console.base + "/staff/queue").status_code == 303  # signed out: the account is disabled
    added = admin.post(console.base + "/staff/accounts", data={"csrf": admin_token, "username": "hoa", "password": "ngan"})
    assert added.status_code == 422 and "at least 10 characters" in added.text


def test_signing_out_ends_the_session(console):
    session = sign_in(console)
    cookie = session.cookies.get("dvc_staff")
    token = csrf_of(session.get(console.base + "/staff/queue").text)
    assert session.post(console.base + "/staff/logout", data={"csrf": token}).status_code == 303
    with browser() as replay:
        replay.cookies.set("dvc_staff", cookie, domain="127.0.0.1", path="/staff")
        assert replay.get(console.base + "/staff/queue").status_code == 303


def test_the_bearer_token_opens_the_pages_too(console, client):
    response = client.get(console.base + "/staff/queue", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and "Hàng chờ" in response.text
    assert client.get(console.base + "/staff/queue", headers={"Authorization": "Bearer sai"}).status_code == 403


def test_the_console_is_off_without_a_staff_token(start_gateway, client):
    gateway = start_gateway(staff_token="")
    for path in ("/staff/", "/staff/login", "/staff/queue"):
        assert client.get(gateway.base + path).status_code == 404
    assert client.post(gateway.base + "/staff/login", data={"username": "admin", "password": ""}).status_code == 404


def test_accounts_from_the_command_line(tmp_path):
    import os
    import subprocess

    from tests.conftest import DVC_BOT, ROOT

    env = {**os.environ, "DVC_DATA_DIR": str(tmp_path)}
    run = lambda *args, stdin="": subprocess.run([DVC_BOT, "staff", *args], env=env, cwd=ROOT, input=stdin,  # noqa: E731
                                                 capture_output=True, text=True, timeout=120)
    assert run("add", "minh", "--name", "Trần Minh", "--password-stdin", stdin="mat-khau-cua-minh\n").returncode == 0
    assert "minh" in run("list").stdout and "active" in run("list").stdout
    assert run("add", "minh", "--password-stdin", stdin="mat-khau-khac-123\n").returncode == 2
    assert "at least 10" in run("add", "tuan", "--password-stdin", stdin="ngan\n").stderr
    assert run("disable", "minh").returncode == 0 and "disabled" in run("list").stdout
    assert run("disable", "khong-co").returncode == 1
    engine = engine_for(f"sqlite:///{tmp_path / 'dvcbot.db'}")
    assert accounts.authenticate(engine, "minh", "mat-khau-cua-minh") is None  # disabled
    assert run("enable", "minh").returncode == 0
    assert accounts.authenticate(engine, "minh", "mat-khau-cua-minh") == "minh"
    assert run("passwd", "minh", "--password-stdin", stdin="mat-khau-moi-cua-minh\n").returncode == 0
    assert accounts.authenticate(engine, "minh", "mat-khau-moi-cua-minh") == "minh"
    rows = sqlite3.connect(tmp_path / "dvcbot.db").execute("SELECT actor, action FROM staff_audit ORDER BY id").fetchall()
    assert rows == [("cli", "account_added"), ("cli", "account_disabled"), ("cli", "account_enabled"), ("cli", "password_changed")]
