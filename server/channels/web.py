"""Website channel: `POST /webhooks/web` {"sender", "message"} -> the bot's replies as JSON."""
from __future__ import annotations

from typing import Any, List

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, validator

from knowledge.normalize import normalize_text
from server import texts
from server.replies import Reply

router = APIRouter(prefix="/webhooks", tags=["channels"])


class WebMessage(BaseModel):
    sender: str = Field(..., min_length=1, max_length=128, description="conversation id chosen by the client")
    message: str = Field(..., min_length=1, max_length=2000, description="what the citizen wrote")

    @validator("message")
    def not_blank(cls, value: str) -> str:
        value = normalize_text(value)
        if not value:
            raise ValueError("message is empty")
        return value

    @validator("sender")
    def sender_printable(cls, value: str) -> str:
        if not value.isprintable() or not value.strip():
            raise ValueError("sender must be printable text")
        return value.strip()


class WebReply(BaseModel):
    sender: str
    messages: List[Reply]


@router.post(
    "/web", response_model=WebReply, summary="Send a message from the website",
    responses={429: {"model": WebReply, "description": "over the per-sender rate limit: a polite reply"}},
)
async def web_webhook(body: WebMessage, request: Request) -> Any:
    gateway = request.app.state.gateway
    if not gateway.web_admit(body.sender):
        polite = WebReply(sender=body.sender, messages=[Reply(text=texts.RATE_LIMITED)])
        return JSONResponse(polite.dict(), status_code=429)
    replies = await gateway.web_turn(body.sender, body.message)
    return WebReply(sender=body.sender, messages=replies)
