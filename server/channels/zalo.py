"""Zalo Official Account: `POST /webhooks/zalo`.

The webhook checks `X-ZEvent-Signature` (missing: 401, wrong: 403, logged without contents),
de-duplicates by `message.msg_id`, records the event and answers 200 at once; the turn runs in
the background. Text goes to Rasa; stickers, images, files, locations… get a short reply saying
the bot reads text only; follow gets a welcome; unfollow forgets the user's window and choices.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server.channels.common import disabled, epoch_s, parse_object, rejected
from server.events import FOLLOW, TEXT, UNFOLLOW, Inbound
from server.platforms.zalo import ReplyWindow, ZaloApi, ZaloTokens
from server.render import zalo as zalo_render
from server.replies import Reply
from server.security import zalo_signature_valid

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["channels"])

# user_send_<kind> events that carry no text the bot can read
NON_TEXT = {
    "user_send_sticker": "sticker", "user_send_gif": "gif", "user_send_image": "image",
    "user_send_file": "file", "user_send_location": "location", "user_send_audio": "audio",
    "user_send_video": "video", "user_send_link": "link", "user_send_business_card": "contact",
}


class ZaloChannel:
    name = "zalo"

    def __init__(self, gateway: Any) -> None:
        settings = gateway.settings
        self.gateway = gateway
        self.window = ReplyWindow(gateway.db)
        self.tokens = ZaloTokens(gateway.db, settings, gateway.http)
        self.api = ZaloApi(settings, gateway.http, self.tokens, self.window)
        self.choices = zalo_render.ChoiceMemory()

    def before_turn(self, event: Inbound) -> None:
        if event.kind == UNFOLLOW:
            self.window.forget(event.user)
            self.choices.forget(event.user)
        else:
            self.window.note_inbound(event.user, event.at or None)

    def resolve(self, user: str, text: str) -> str:
        return self.choices.resolve(user, text) or text

    async def send(self, user: str, replies: List[Reply]) -> int:
        messages, buttons = zalo_render.render(replies)
        self.choices.offer(user, buttons)
        await self.gateway.outbox.deliver(self.name, user, messages)
        return len(messages)


def parse_event(body: Dict[str, Any]) -> Optional[Tuple[Inbound, str]]:
    """(event, de-duplication key) for the events the bot acts on; None for the others (e.g.
    the OA's own messages echoed back, `oa_send_*`)."""
    name = str(body.get("event_name") or "")
    at = epoch_s(body.get("timestamp"))
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    sender = body.get("sender") if isinstance(body.get("sender"), dict) else {}
    user = str(sender.get("id") or "")
    msg_id = str(message.get("msg_id") or "")
    if name == "user_send_text":
        text = message.get("text")
        if not user or not msg_id or not isinstance(text, str):  # Zalo's text is always a string
            return None
        return Inbound("zalo", user, TEXT, text=text, at=at), msg_id
    if name in NON_TEXT:
        if not user:
            return None
        return Inbound("zalo", user, NON_TEXT[name], at=at), msg_id or f"{name}:{user}:{body.get('timestamp')}"
    if name in ("follow", "unfollow"):
        follower = body.get("follower") if isinstance(body.get("follower"), dict) else {}
        user = str(follower.get("id") or user)
        if not user:
            return None
        kind = FOLLOW if name == "follow" else UNFOLLOW
        return Inbound("zalo", user, kind, at=at), f"{name}:{user}:{body.get('timestamp')}"
    return None


@router.post("/zalo", summary="Zalo OA webhook (signed events)")
async def zalo_webhook(request: Request) -> JSONResponse:
    gateway = request.app.state.gateway
    if "zalo" not in gateway.channels:
        return disabled("Zalo")
    settings = gateway.settings
    raw = await request.body()
    signature = request.headers.get("x-zevent-signature")
    if not signature:
        log.warning("zalo webhook rejected: no X-ZEvent-Signature header (%d bytes)", len(raw))
        return rejected(401, "missing X-ZEvent-Signature")
    body = parse_object(raw)
    timestamp = str(body.get("timestamp") or "") if body is not None else ""
    if body is None or not zalo_signature_valid(signature, settings.zalo_app_id, raw, timestamp, settings.zalo_oa_secret_key):
        log.warning("zalo webhook rejected: invalid signature (%d bytes)", len(raw))
        return rejected(403, "invalid signature")
    parsed = parse_event(body)
    if parsed is None:
        return JSONResponse({"status": "ignored"})
    event, key = parsed
    return JSONResponse({"status": gateway.accept(event, key)})
