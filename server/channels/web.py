"""Website channel: `POST /webhooks/web` {"sender", "message"} -> the bot's replies as JSON."""
from __future__ import annotations

from typing import List

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, validator

from knowledge.normalize import normalize_text
from server.conversation import handle_turn
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


@router.post("/web", response_model=WebReply, summary="Send a message from the website")
async def web_webhook(body: WebMessage, request: Request) -> WebReply:
    replies = await handle_turn(request.app.state.rasa, f"web:{body.sender}", body.message, channel="web")
    return WebReply(sender=body.sender, messages=replies)
