"""Who is calling a /staff/ endpoint.

- `Authorization: Bearer $STAFF_TOKEN` (every endpoint: the API, the pages, the report): the
  admin, as "api" in the audit. Not a cookie, so no CSRF check is needed.
- A console session (cookie `dvc_staff`, HttpOnly, SameSite=Strict, Path=/staff, Secure over
  HTTPS): a staff account, or the admin signed in with the token as password. Every form posted
  with a session carries the session's CSRF token (checked in constant time) and, when the
  browser sends one, an Origin of this host.
- With STAFF_TOKEN unset everything under /staff/ answers 404.

Sign-in failures are counted per username in each worker: after LOGIN_FAILURES in
LOGIN_WINDOW_S that name is refused (429) until the window passes."""
from __future__ import annotations

import secrets
import time
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Deque, Dict, Optional

from fastapi import HTTPException, Request

from server.security import tokens_equal
from store import staff as accounts
from store.db import engine_for

COOKIE = "dvc_staff"
LOGIN_COOKIE = "dvc_login"  # the sign-in form's CSRF token (double submit)
LOGIN_FAILURES = 5
LOGIN_WINDOW_S = 900.0


@dataclass
class Caller:
    name: str  # the username, "admin" (signed in with the token) or "api" (Bearer)
    role: str  # admin | staff
    csrf: Optional[str] = None  # None: not a cookie session (Bearer), no CSRF check

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def enabled(request: Request) -> str:
    token = request.app.state.settings.staff_token
    if not token:
        raise HTTPException(status_code=404, detail="Not Found")
    return token


def engine(request: Request):
    return engine_for(request.app.state.settings.db_url)


def bearer(request: Request) -> Optional[str]:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def from_token(request: Request) -> Caller:
    """The API: the Bearer token only (missing 401, wrong 403)."""
    token = enabled(request)
    given = bearer(request)
    if given is None:
        raise HTTPException(status_code=401, detail="Authorization: Bearer <STAFF_TOKEN> required",
                            headers={"WWW-Authenticate": "Bearer"})
    if not tokens_equal(given, token):
        raise HTTPException(status_code=403, detail="wrong staff token")
    return Caller("api", "admin")


def from_session(request: Request) -> Optional[Caller]:
    """The Bearer token, or a live console session; None when neither."""
    token = enabled(request)
    if bearer(request) is not None:
        return from_token(request)
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    found = accounts.session(engine(request), cookie, accounts.admin_key(token))
    return Caller(found["username"], found["role"], found["csrf"]) if found else None


async def fields(request: Request) -> Dict[str, str]:
    """A posted form (application/x-www-form-urlencoded), the last value of each field."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


async def form(request: Request, caller: Caller) -> Dict[str, str]:
    """The posted form's fields, after the CSRF and Origin checks of a session (403 else)."""
    fields_ = await fields(request)
    if caller.csrf is not None:
        same_origin(request)
        if not tokens_equal(fields_.get("csrf"), caller.csrf):
            raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and try again")
    return fields_


def same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urllib.parse.urlsplit(origin).netloc != host:
            raise HTTPException(status_code=403, detail="cross-site form refused")


def secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    return proto == "https"


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


class LoginThrottle:
    """Failed sign-ins per username (this worker's memory)."""

    def __init__(self, failures: int = LOGIN_FAILURES, window_s: float = LOGIN_WINDOW_S) -> None:
        self.failures, self.window_s = failures, window_s
        self._seen: Dict[str, Deque[float]] = defaultdict(deque)

    def _recent(self, name: str) -> Deque[float]:
        seen, now = self._seen[name], time.monotonic()
        while seen and now - seen[0] > self.window_s:
            seen.popleft()
        return seen

    def blocked(self, name: str) -> bool:
        return len(self._recent(name)) >= self.failures

    def failed(self, name: str) -> None:
        self._recent(name).append(time.monotonic())
        if len(self._seen) > 10000:
            self._seen.clear()

    def succeeded(self, name: str) -> None:
        self._seen.pop(name, None)
