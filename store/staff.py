"""Staff accounts, console sessions and the audit of what staff did.

- Passwords are hashed with scrypt (stdlib hashlib; N=2^14, r=8, p=1, a random 16-byte salt),
  stored as "scrypt$N$r$p$salt$hash" (hex), and checked in constant time.
- A session is a random cookie value; the database keeps only its SHA-256, the user, a CSRF
  token for the forms, and when it ends. A disabled account's sessions stop working at once; an
  admin session (signed in with STAFF_TOKEN) stops when the token changes.
- The audit is append-only: who, when, what, on which item; never a citizen's text."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from store.db import staff_audit, staff_sessions, staff_users

ADMIN = "admin"  # the STAFF_TOKEN holder; no account may take this name
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 10
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class BadAccount(ValueError):
    """A username or password the rules refuse (the message says which rule)."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given.hex(), digest)


# a hash to check against when the username is unknown: the answer takes as long either way
_DUMMY = hash_password(secrets.token_hex(8))


def check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME.fullmatch(username):
        raise BadAccount("username: 2 to 64 characters, a-z 0-9 . _ -, starting with a letter or digit")
    if username == ADMIN:
        raise BadAccount("username 'admin' is reserved for the STAFF_TOKEN holder")
    return username


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise BadAccount(f"password: at least {MIN_PASSWORD} characters")
    return password


# -- accounts ------------------------------------------------------------------------------
def add_user(engine: sa.engine.Engine, username: str, password: str, display_name: str = "") -> str:
    username, password = check_username(username), check_password(password)
    try:
        with engine.begin() as conn:
            conn.execute(staff_users.insert().values(username=username, display_name=display_name.strip()[:128],
                                                     password_hash=hash_password(password), active=True, created_at=time.time()))
    except sa.exc.IntegrityError:
        raise BadAccount(f"username {username!r} is taken") from None
    return username


def set_password(engine: sa.engine.Engine, username: str, password: str) -> bool:
    check_password(password)
    with engine.begin() as conn:
        changed = conn.execute(staff_users.update().where(staff_users.c.username == username)
                               .values(password_hash=hash_password(password))).rowcount
        conn.execute(staff_sessions.delete().where(staff_sessions.c.username == username, staff_sessions.c.role == "staff"))
    return bool(changed)


def set_active(engine: sa.engine.Engine, username: str, active: bool) -> bool:
    with engine.begin() as conn:
        changed = conn.execute(staff_users.update().where(staff_users.c.username == username).values(active=active)).rowcount
        if not active:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.username == username, staff_sessions.c.role == "staff"))
    return bool(changed)


def list_users(engine: sa.engine.Engine) -> List[Dict[str, Any]]:
    query = sa.select(staff_users.c.username, staff_users.c.display_name, staff_users.c.active, staff_users.c.created_at)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.order_by(staff_users.c.username))]


def authenticate(engine: sa.engine.Engine, username: str, password: str) -> Optional[str]:
    """The account's username when the password is right and the account active."""
    name = (username or "").strip().lower()
    with engine.connect() as conn:
        row = conn.execute(sa.select(staff_users).where(staff_users.c.username == name)).first()
    ok = verify_password(password or "", row.password_hash if row else _DUMMY)
    return name if ok and row is not None and row.active else None


# -- sessions ------------------------------------------------------------------------------
def admin_key(token: str) -> str:
    return hashlib.sha256(b"dvcbot-admin:" + token.encode()).hexdigest()


def _hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def new_session(engine: sa.engine.Engine, username: str, role: str, hours: float, key: Optional[str] = None) -> Tuple[str, str]:
    """(cookie value, CSRF token) of a new session."""
    cookie, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(24), time.time()
    with engine.begin() as conn:
        conn.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
        conn.execute(staff_sessions.insert().values(token_hash=_hash(cookie), username=username, role=role, admin_key=key,
                                                    csrf=csrf, created_at=now, expires_at=now + hours * 3600))
    return cookie, csrf


def session(engine: sa.engine.Engine, cookie: str, key: str) -> Optional[Dict[str, Any]]:
    """The live session of this cookie ({username, role, csrf}), or None."""
    if not cookie or len(cookie) > 200:
        return None
    query = (sa.select(staff_sessions, staff_users.c.active)
             .select_from(staff_sessions.outerjoin(staff_users, staff_users.c.username == staff_sessions.c.username))
             .where(staff_sessions.c.token_hash == _hash(cookie), staff_sessions.c.expires_at > time.time()))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    if row.role == "admin" and not hmac.compare_digest(row.admin_key or "", key):
        return None
    if row.role == "staff" and not row.active:
        return None
    return {"username": row.username, "role": row.role, "csrf": row.csrf}


def end_session(engine: sa.engine.Engine, cookie: str) -> None:
    with engine.begin() as conn:
        conn.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == _hash(cookie or "")))


# -- audit ---------------------------------------------------------------------------------
def audit(engine: sa.engine.Engine, actor: str, action: str, target: str = "", detail: str = "",
          at: Optional[float] = None) -> None:
    with engine.begin() as conn:
        conn.execute(staff_audit.insert().values(at=at or time.time(), actor=actor[:64], action=action[:32],
                                                 target=target[:64], detail=detail[:500]))


def audit_log(engine: sa.engine.Engine, limit: int = 200, target: Optional[str] = None) -> List[Dict[str, Any]]:
    query = sa.select(staff_audit).order_by(staff_audit.c.id.desc()).limit(limit)
    if target:
        query = query.where(staff_audit.c.target == target)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
