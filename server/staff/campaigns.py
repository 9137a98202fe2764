"""The console's campaign pages (templates: campaign_html.py), with the sessions, CSRF checks and
audit of the rest of the console (pages.py, auth.py):

- `/staff/campaigns`: the campaigns, the latest first; for the admin, the form of a new one;
- `POST /staff/campaigns/preview`: the checks (topic, text, time, length), the message exactly as
  citizens read it and the recipients per channel the rules allow now; a form to confirm;
- `POST /staff/campaigns`: stored (checked again), audited, sent by the gateways when due;
- `/staff/campaigns/{id}`: the delivery report per channel; the admin can cancel one not started.

Staff accounts see the campaigns; only the admin (STAFF_TOKEN) creates or cancels one."""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Dict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from common.office_hours import TZ
from server import campaign_rules as rules
from server.staff import auth, campaign_html as html
from server.staff.api import parse_id
from server.staff.pages import _caller, _must, audit, page, see
from store import campaigns

router = APIRouter(prefix="/staff", tags=["staff console"], include_in_schema=False)
DONE = {"created": "Đã tạo chiến dịch; các máy chủ sẽ gửi khi đến giờ.", "cancelled": "Đã hủy chiến dịch."}


def _rules(settings) -> str:
    return html.RULES.format(cap=settings.campaign_daily_cap, hours=settings.campaign_hours.replace("-", " đến "))


def _list(request: Request, caller: auth.Caller, status: int = 200, **extra) -> Response:
    settings = request.app.state.settings
    rows = campaigns.latest(auth.engine(request))
    return page(html.campaigns(rows, settings.topics, caller, _rules(settings), **extra), status)


@router.get("/campaigns", response_class=HTMLResponse)
def campaign_list(request: Request, ok: str = "") -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    return _list(request, caller, ok=DONE.get(ok))


def _values(fields: Dict[str, str]) -> Dict[str, str]:
    return {name: fields.get(name, "") for name in ("topic", "text", "at")}


def _draft(request: Request, values: Dict[str, str]) -> rules.Draft:
    return rules.draft(request.app.state.settings, values["topic"], values["text"], values["at"] or None, time.time())


def _starts(settings, due_at: float) -> float:
    return settings.campaign_schedule.next_open(dt.datetime.fromtimestamp(due_at, TZ)).timestamp()


@router.post("/campaigns/preview", response_class=HTMLResponse)
async def campaign_preview(request: Request) -> Response:
    caller = _must(request, admin=True)
    values = _values(await auth.form(request, caller))
    settings = request.app.state.settings
    try:
        draft = _draft(request, values)
    except rules.BadCampaign as exc:
        return await asyncio.to_thread(_list, request, caller, 422, error=f"Chưa gửi được: {exc}", values=values)
    counts = await asyncio.to_thread(rules.preview, auth.engine(request), settings, draft.topic, time.time())
    return page(html.preview(draft, settings.topics[draft.topic], counts, _starts(settings, draft.due_at), caller, values))


@router.post("/campaigns", response_class=HTMLResponse)
async def campaign_create(request: Request) -> Response:
    caller = _must(request, admin=True)
    values = _values(await auth.form(request, caller))
    try:
        draft = _draft(request, values)
    except rules.BadCampaign as exc:
        return await asyncio.to_thread(_list, request, caller, 422, error=f"Chưa gửi được: {exc}", values=values)
    engine = auth.engine(request)
    number = await asyncio.to_thread(campaigns.create, engine, draft.topic, draft.text, draft.due_at, caller.name, time.time())
    await audit(request, caller.name, "campaign_created", f"campaign:{number}")
    return see(f"/staff/campaigns/{number}?ok=created")


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_id: str, ok: str = "") -> Response:
    caller = _caller(request)
    if caller is None:
        return see("/staff/login")
    settings, engine, number = request.app.state.settings, auth.engine(request), parse_id(campaign_id)
    item = campaigns.get(engine, number)
    if item is None:
        raise HTTPException(status_code=404, detail="no such campaign")
    item["message"] = rules.message(settings, item["topic"], item["text"]) if item["topic"] in settings.topics else item["text"]
    label = settings.topics.get(item["topic"], item["topic"])
    return page(html.campaign(item, campaigns.report(engine, number), label, caller, DONE.get(ok)))


@router.post("/campaigns/{campaign_id}/cancel", response_class=HTMLResponse)
async def campaign_cancel(request: Request, campaign_id: str) -> Response:
    caller = _must(request, admin=True)
    await auth.form(request, caller)
    number, engine = parse_id(campaign_id), auth.engine(request)
    if await asyncio.to_thread(campaigns.get, engine, number) is None:
        raise HTTPException(status_code=404, detail="no such campaign")
    if not await asyncio.to_thread(campaigns.cancel, engine, number, time.time()):
        raise HTTPException(status_code=409, detail="only a campaign that has not started can be cancelled")
    await audit(request, caller.name, "campaign_cancelled", f"campaign:{number}")
    return see(f"/staff/campaigns/{number}?ok=cancelled")
