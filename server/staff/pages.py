"""The staff console: server-rendered pages under /staff/ (templates in html.py).

Sign in at /staff/login with a staff account (`dvc-bot staff add`, or /staff/accounts for the
admin), or as `admin` with STAFF_TOKEN. Then: the queue of open requests, the longest wait first;
a request's conversation with a reply box, "Trả lại cho trợ lý ảo" and "Đóng"; 👎 ratings and
comments to reply to or mark handled; for the admin, the audit and the accounts. Pages without a
session redirect to the sign-in; forms without a valid session or CSRF token get 403."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, Optional

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server.security import tokens_equal
from server.staff import auth, html
from server.staff.api import clean_text, feedback_view, handoff_view, parse_id
from store import desk
from store import staff as accounts

router = APIRouter(prefix="/staff", tags=["staff console"], include_in_schema=False)
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "X-Robots-Tag": "noindex"}
DONE = {"reply": "Đã gửi trả lời.", "release": "Đã trả cuộc trò chuyện lại cho trợ lý ảo.", "close": "Đã đóng yêu cầu.",
        "handled": "Đã đánh dấu đã xử lý.", "added": "Đã thêm tài khoản.", "changed": "Đã cập nhật tài khoản."}


def page(body: str, status: int = 200, **headers: str) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **headers})


def see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=HEADERS)


async def audit(request: Request, actor: str, action: str, target: str = "") -> None:
    await asyncio.to_thread(accounts.audit, auth.engine(request), actor, action, target)


def _throttle(request: Request) -> auth.LoginThrottle:
    """Failed sign-ins, counted per gateway process."""
    state = request.app.state
    if not hasattr(state, "staff_login_throttle"):
        state.staff_login_throttle = auth.LoginThrottle()
    return state.staff_login_throttle


def _caller(request: Request) -> Optional[auth.Caller]:
    return auth.from_session(request)


def _must(request: Request, admin: bool = False) -> auth.Caller:
    """For forms: a session or the Bearer token (403 otherwise)."""
    caller = _caller(request)
    if caller is None:
        raise HTTPException(status_code=403, detail="sign in first: /staff/login")
    if admin and not caller.admin:
        raise HTTPException(status_code=403, detail="for the admin only")
    return caller


# -- signing in and out --------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    auth.enabled(request)
    return see("/staff/queue" if _caller(request) else "/staff/login")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    auth.enabled(request)
    if _caller(request):
        return see("/staff/queue")
    return _login_form(request)


def _login_form(request: Request, username: str = "", error: Optional[str] = None, status: int = 200) -> Response:
    token = auth.new_login_token()
    response = page(html.login(token, username, error), status)
    response.set_cookie(auth.LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/staff/login",
                        secure=auth.secure(request), max_age=3600)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    token = auth.enabled(request)
    fields = await auth.fields(request)
    auth.same_origin(request)
    if not tokens_equal(fields.get("csrf"), request.cookies.get(auth.LOGIN_COOKIE)):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the sign-in page")
    username, password = fields.get("username", "").strip().lower()[:64], fields.get("password", "")
    throttle = _throttle(request)
    if throttle.blocked(username):
        return _login_form(request, username, "Sai quá nhiều lần. Vui lòng thử lại sau 15 phút.", 429)
    settings, engine = request.app.state.settings, auth.engine(request)
    if username == accounts.ADMIN:
        name = accounts.ADMIN if tokens_equal(password, token) else None
    else:
        name = await asyncio.to_thread(accounts.authenticate, engine, username, password)
    if name is None:
        throttle.failed(username)
        known = username == accounts.ADMIN or any(u["username"] == username for u in await asyncio.to_thread(accounts.list_users, engine))
        await audit(request, username if known else "(unknown)", "login_failed")
        return _login_form(request, username, "Sai tên đăng nhập hoặc mật khẩu.", 401)
    throttle.succeeded(username)
    role = "admin" if name == accounts.ADMIN else "staff"
    cookie, _ = await asyncio.to_thread(accounts.new_session, engine, name, role, settings.staff_session_hours,
                                        accounts.admin_key(token) if role == "admin" else None)
    await audit(request, name, "login")
    response = see("/staff/queue")
    response.set_cookie(auth.COOKIE, cookie, httponly=True, samesite="strict", path="/staff", secure=auth.secure(request),
                        max_age=int(settings.staff_session_hours * 3600))
    response.delete_cookie(auth.LOGIN_COOKIE, path="/staff/login")
    return response


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    caller = _must(request)
    await auth.form(request, caller)
    cookie = request.cookies.get(auth.COOKIE)
    if cookie:
        await asyncio.to_thread(accounts.end_session, auth.engine(request), cookie)
        await audit(request, caller.name, "logout")
    response = see("/staff/login")
    response.delete_cookie(auth.COOKIE, path="/staff")
    return response


# -- requests ------------------------------------------------------------------------------
@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, ok: str = "") -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    engine = auth.engine(request)
    rows = [handoff_view(request, r, desk.thread(engine, r)) for r in desk.requests(engine, desk.OPEN, time.time())]
    return page(html.queue(rows, len(desk.feedback_items(engine)), caller, DONE.get(ok)))


def _request(request: Request, handoff_id: int) -> Dict[str, Any]:
    engine = auth.engine(request)
    row = next(iter(desk.requests(engine, None, time.time(), only=handoff_id)), None)
    if row is None:
        raise HTTPException(status_code=404, detail="no such request")
    thread = desk.thread(engine, row)
    return {"view": handoff_view(request, row), "thread": thread}


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def handoff_page(request: Request, handoff_id: str, ok: str = "") -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    found = _request(request, parse_id(handoff_id))
    return page(html.handoff(found["view"], found["thread"], caller, DONE.get(ok)))


@router.post("/handoffs/{handoff_id}/{action}", response_class=HTMLResponse)
async def handoff_action(request: Request, handoff_id: str, action: str) -> Response:
    caller = _must(request)
    fields = await auth.form(request, caller)
    number, gateway_desk = parse_id(handoff_id), request.app.state.gateway.desk
    error, draft, status = None, "", 409
    try:
        if action == "reply":
            draft = fields.get("text", "")
            try:
                await gateway_desk.reply(number, caller.name, clean_text(draft))
            except ValueError as exc:
                error, status = f"Chưa gửi: {exc}", 422
        elif action in ("release", "close"):
            await gateway_desk.give_back(number, caller.name, close=action == "close")
        else:
            raise HTTPException(status_code=404, detail="no such action")
    except KeyError:
        raise HTTPException(status_code=404, detail="no such request") from None
    except desk.Refused as exc:
        error = f"Chưa gửi được: {exc.reason}" if action == "reply" else exc.reason
    if error is None:
        return see(f"/staff/handoffs/{number}?ok={action}")
    found = await asyncio.to_thread(_request, request, number)
    return page(html.handoff(found["view"], found["thread"], caller, error=error, draft=draft), status)


# -- 👎 and comments -----------------------------------------------------------------------
@router.get("/feedback", response_class=HTMLResponse)
def feedback_list(request: Request, handled: bool = False) -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    items = [feedback_view(request, i) for i in desk.feedback_items(auth.engine(request), handled=handled)]
    return page(html.feedback_list(items, handled, caller))


def _feedback(request: Request, feedback_id: int) -> Dict[str, Any]:
    item = desk.get_feedback(auth.engine(request), feedback_id)
    if item is None:
        raise HTTPException(status_code=404, detail="no such feedback")
    return {**feedback_view(request, item), "replies": item["replies"]}


@router.get("/feedback/{feedback_id}", response_class=HTMLResponse)
def feedback_page(request: Request, feedback_id: str, ok: str = "") -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    return page(html.feedback_item(_feedback(request, parse_id(feedback_id)), caller, DONE.get(ok)))


@router.post("/feedback/{feedback_id}/{action}", response_class=HTMLResponse)
async def feedback_action(request: Request, feedback_id: str, action: str) -> Response:
    caller = _must(request)
    fields = await auth.form(request, caller)
    number, gateway_desk = parse_id(feedback_id), request.app.state.gateway.desk
    error, status = None, 409
    try:
        if action == "reply":
            try:
                await gateway_desk.feedback_reply(number, caller.name, clean_text(fields.get("text", "")))
            except ValueError as exc:
                error, status = f"Chưa gửi: {exc}", 422
        elif action == "handled":
            await gateway_desk.feedback_handled(number, caller.name)
        else:
            raise HTTPException(status_code=404, detail="no such action")
    except KeyError:
        raise HTTPException(status_code=404, detail="no such feedback") from None
    except desk.Refused as exc:
        error = f"Chưa gửi được: {exc.reason}"
    if error is None:
        return see(f"/staff/feedback/{number}?ok={'reply' if action == 'reply' else 'handled'}")
    item = await asyncio.to_thread(_feedback, request, number)
    return page(html.feedback_item(item, caller, error=error), status)


# -- the admin -----------------------------------------------------------------------------
@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    if not caller.admin:
        raise HTTPException(status_code=403, detail="for the admin only")
    return page(html.audit(accounts.audit_log(auth.engine(request), limit=500), caller))


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, ok: str = "") -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    if not caller.admin:
        raise HTTPException(status_code=403, detail="for the admin only")
    return page(html.accounts(accounts.list_users(auth.engine(request)), caller, DONE.get(ok)))


@router.post("/accounts", response_class=HTMLResponse)
async def add_account(request: Request) -> Response:
    caller = _must(request, admin=True)
    fields = await auth.form(request, caller)
    engine = auth.engine(request)
    try:
        name = await asyncio.to_thread(accounts.add_user, engine, fields.get("username", ""), fields.get("password", ""),
                                       fields.get("display_name", ""))
    except accounts.BadAccount as exc:
        users = await asyncio.to_thread(accounts.list_users, engine)
        return page(html.accounts(users, caller, error=str(exc)), 422)
    await audit(request, caller.name, "account_added", f"user:{name}")
    return see("/staff/accounts?ok=added")


@router.post("/accounts/{username}/active", response_class=HTMLResponse)
async def toggle_account(request: Request, username: str) -> Response:
    caller = _must(request, admin=True)
    await auth.form(request, caller)
    engine = auth.engine(request)
    user = next((u for u in await asyncio.to_thread(accounts.list_users, engine) if u["username"] == username), None)
    if user is None:
        raise HTTPException(status_code=404, detail="no such account")
    await asyncio.to_thread(accounts.set_active, engine, username, not user["active"])
    await audit(request, caller.name, "account_enabled" if not user["active"] else "account_disabled", f"user:{username}")
    return see("/staff/accounts?ok=changed")
