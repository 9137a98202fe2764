"""The staff report: `GET /staff/report` (HTML with charts) and `GET /staff/report.json`, the
same report as `dvc-bot report`.

They require STAFF_TOKEN, as `Authorization: Bearer <token>` or `?token=<token>` (compared in
constant time; log lines mask `token=`), or a console session (server/staff/auth.py). With
STAFF_TOKEN unset they are off: 404, and one warning at start. A wrong or missing token gets 403.
Nothing here is reachable by citizens without the token; the report holds no raw ids or personal
numbers anyway."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from server.security import tokens_equal
from server.staff import auth

log = logging.getLogger(__name__)

router = APIRouter(prefix="/staff", tags=["staff"])


def _authorise(request: Request, token: Optional[str]) -> None:
    expected = auth.enabled(request)
    if auth.bearer(request) is None and tokens_equal(token, expected):
        return  # ?token=
    if auth.from_session(request) is None:
        raise HTTPException(status_code=403, detail="staff token required")


def _report(request: Request, since: Optional[dt.date], days: Optional[int]) -> dict:
    from common.logs import conversation_id_for
    from store.db import engine_for
    from store.report import build_report

    settings = request.app.state.settings
    engine = engine_for(settings.db_url)
    return build_report(
        engine, since=since, days=days or settings.report_days,
        pseudonym=lambda sender: conversation_id_for(sender, settings),
    )


# plain `def`: FastAPI runs them in its thread pool (database reads, chart drawing)
@router.get("/report.json", summary="Staff report as JSON (STAFF_TOKEN)")
def report_json(
    request: Request,
    since: Optional[dt.date] = Query(None, description="from this day (Vietnam time)"),
    days: Optional[int] = Query(None, ge=1, le=3660, description="the last N days (default REPORT_DAYS)"),
    token: Optional[str] = Query(None, description="the staff token, if not sent as a Bearer header"),
) -> JSONResponse:
    _authorise(request, token)
    return JSONResponse(_report(request, since, days), headers={"Cache-Control": "no-store"})


@router.get("/report", summary="Staff report with charts (STAFF_TOKEN)", response_class=HTMLResponse)
def report_html(
    request: Request,
    since: Optional[dt.date] = Query(None, description="from this day (Vietnam time)"),
    days: Optional[int] = Query(None, ge=1, le=3660, description="the last N days (default REPORT_DAYS)"),
    token: Optional[str] = Query(None, description="the staff token, if not sent as a Bearer header"),
) -> HTMLResponse:
    _authorise(request, token)
    from server.report_html import render_html

    return HTMLResponse(
        render_html(_report(request, since, days)),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"},
    )
