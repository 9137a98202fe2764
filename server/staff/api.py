"""The staff JSON API (`/staff/api/`, `Authorization: Bearer $STAFF_TOKEN`), for a province's own
helpdesk: list the requests, reply, give a conversation back to the bot, close; the same for
👎 ratings and comments. Every call is audited as "api" (store/staff.py).

Errors: a missing token 401, a wrong one 403; an unknown id 404; empty or oversized text 422;
a reply the channel's rules forbid now, or an action the request's state does not allow, 409
with `{"reason"}` (the refused reply is kept in the thread with that reason)."""
from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, validator

from common.logs import conversation_id_for
from common.office_hours import TZ
from server.events import MAX_TEXT
from server.render.text import units
from server.staff import auth
from store import desk

router = APIRouter(prefix="/staff/api", tags=["staff"])
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ID = re.compile(r"[1-9][0-9]{0,8}")
CONFLICT = {409: {"description": "the channel's rules or the request's state forbid it now",
                  "content": {"application/json": {"example": {"reason": "Zalo: đã 50 giờ kể từ tin nhắn cuối..."}}}}}
ERRORS = {401: {"description": "no Bearer token"}, 403: {"description": "wrong token"}, 404: {"description": "unknown id"}}


def clean_text(value: str) -> str:
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value or "")).replace("\r\n", "\n").strip()
    if not text:
        raise ValueError("the text is empty")
    if units(text) > MAX_TEXT:
        raise ValueError(f"the text is too long ({units(text)} characters, at most {MAX_TEXT})")
    return text


class TextIn(BaseModel):
    text: str = Field(..., description=f"what the citizen will read (1 to {MAX_TEXT} characters)")

    @validator("text")
    def _clean(cls, value: str) -> str:  # noqa: N805
        return clean_text(value)


class Message(BaseModel):
    from_: str = Field(..., alias="from", description="citizen | bot | staff")
    text: str
    at: Optional[str] = Field(None, description="ISO 8601, Vietnam time")
    delivery: Optional[str] = Field(None, description="staff messages: outbox | delivered | waiting | refused")
    reason: Optional[str] = Field(None, description="why a staff message was refused")

    class Config:
        allow_population_by_field_name = True


class Handoff(BaseModel):
    id: int
    ref: str = Field(..., description="what the citizen was told: YC-<id>")
    channel: str
    conversation: str = Field(..., description="pseudonym of the conversation (as in logs and the report)")
    status: str = Field(..., description="open | released (back to the bot) | closed")
    owner: Optional[str] = Field(None, description="open requests: waiting (for staff) | staff")
    waiting_s: float = Field(..., description="seconds the citizen has waited for a staff answer (0: staff spoke last)")
    created_at: Optional[str]
    reason: str = Field("", description="what the citizen asked, personal numbers masked")
    contact: Optional[str] = Field(None, description="a call-back contact the citizen gave on purpose")
    messages: List[Message]


class Done(BaseModel):
    status: str
    citizen_told: Optional[bool] = None
    reason: Optional[str] = None


class Sent(BaseModel):
    message_id: int
    delivery: str = Field(..., description="outbox (Zalo/Messenger) | waiting (the widget shows it when connected)")


def iso(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, TZ).isoformat(timespec="seconds")
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(TZ).isoformat(timespec="seconds")
    return str(value)


def parse_id(value: str) -> int:
    if not _ID.fullmatch(value):
        raise HTTPException(status_code=404, detail="no such item")
    return int(value)


def handoff_view(request: Request, row: Dict[str, Any], messages: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    settings = request.app.state.settings
    return {
        "id": row["id"], "ref": f"YC-{row['id']}", "channel": row["channel"],
        "conversation": conversation_id_for(row["conversation_id"], settings),
        "status": row["status"], "owner": row.get("owner") if row["status"] == desk.OPEN else None,
        "waiting_s": round(row.get("waiting_s") or 0.0, 1), "created_at": iso(row["created_at"]),
        "reason": row.get("reason") or "", "contact": row.get("contact"),
        "messages": [{"from": m["from"], "text": m["text"], "at": iso(m["at"]), "delivery": m["delivery"], "reason": m["reason"]}
                     for m in (messages or [])],
    }


def _desk(request: Request):
    return request.app.state.gateway.desk


def _refused(exc: desk.Refused) -> JSONResponse:
    return JSONResponse({"reason": exc.reason}, status_code=409)


@router.get("/handoffs", response_model=List[Handoff], responses=ERRORS,
            summary="Requests to talk to a person, the longest wait first")
def list_handoffs(request: Request, status: str = Query("open", pattern="^(open|released|closed|all)$"),
                  caller: auth.Caller = Depends(auth.from_token)) -> Any:
    engine = auth.engine(request)
    rows = desk.requests(engine, None if status == "all" else status, time.time())
    return [handoff_view(request, row, desk.thread(engine, row)) for row in rows]


@router.get("/handoffs/{handoff_id}", response_model=Handoff, responses=ERRORS, summary="One request with its thread")
def get_handoff(request: Request, handoff_id: str, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    engine = auth.engine(request)
    wanted = parse_id(handoff_id)
    row = next((r for r in desk.requests(engine, None, time.time(), only=wanted)), None)
    if row is None:
        raise HTTPException(status_code=404, detail="no such request")
    return handoff_view(request, row, desk.thread(engine, row))


@router.post("/handoffs/{handoff_id}/reply", response_model=Sent, responses={**ERRORS, **CONFLICT},
             summary="Reply to the citizen through their own channel (200 once queued for delivery)")
async def reply(request: Request, handoff_id: str, body: TextIn, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    try:
        return await _desk(request).reply(parse_id(handoff_id), caller.name, body.text)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such request") from None
    except desk.Refused as exc:
        return _refused(exc)


@router.post("/handoffs/{handoff_id}/release", response_model=Done, responses={**ERRORS, **CONFLICT},
             summary="Give the conversation back to the bot (the citizen is told)")
async def release(request: Request, handoff_id: str, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    return await _give_back(request, handoff_id, caller, close=False)


@router.post("/handoffs/{handoff_id}/close", response_model=Done, responses={**ERRORS, **CONFLICT},
             summary="Close the request (the bot answers the conversation again)")
async def close(request: Request, handoff_id: str, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    return await _give_back(request, handoff_id, caller, close=True)


async def _give_back(request: Request, handoff_id: str, caller: auth.Caller, close: bool) -> Any:
    try:
        return await _desk(request).give_back(parse_id(handoff_id), caller.name, close)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such request") from None
    except desk.Refused as exc:
        return _refused(exc)


class Feedback(BaseModel):
    id: int
    channel: str
    conversation: str
    rating: Optional[str] = Field(None, description="down (👎), or none for a free comment")
    comment: Optional[str]
    question: Optional[str]
    created_at: Optional[str]
    handled_at: Optional[str]
    handled_by: Optional[str]


def feedback_view(request: Request, row: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": row["id"], "channel": row["channel"], "rating": row["rating"], "comment": row["comment"],
        "question": row["question"], "conversation": conversation_id_for(row["conversation_id"], request.app.state.settings),
        "created_at": iso(row["created_at"]), "handled_at": iso(row["handled_at"]), "handled_by": row["handled_by"],
    }


@router.get("/feedback", response_model=List[Feedback], responses=ERRORS,
            summary="👎 ratings and comments not handled yet, the oldest first")
def list_feedback(request: Request, handled: bool = False, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    return [feedback_view(request, row) for row in desk.feedback_items(auth.engine(request), handled=handled)]


@router.post("/feedback/{feedback_id}/reply", response_model=Sent, responses={**ERRORS, **CONFLICT},
             summary="Reply to the citizen who gave it (marks it handled)")
async def feedback_reply(request: Request, feedback_id: str, body: TextIn, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    try:
        return await _desk(request).feedback_reply(parse_id(feedback_id), caller.name, body.text)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such feedback") from None
    except desk.Refused as exc:
        return _refused(exc)


@router.post("/feedback/{feedback_id}/handled", response_model=Done, responses=ERRORS, summary="Mark it handled")
async def feedback_handled(request: Request, feedback_id: str, caller: auth.Caller = Depends(auth.from_token)) -> Any:
    try:
        await _desk(request).feedback_handled(parse_id(feedback_id), caller.name)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such feedback") from None
    return {"status": "handled"}
