"""Facebook Messenger: `GET /webhooks/facebook` (subscription handshake) and
`POST /webhooks/facebook` (signed events).

POST checks `X-Hub-Signature-256` in constant time (else 403, logged without contents), skips
echoes and delivery/read events, de-duplicates by `message.mid`, records each event and answers
200 at once; quick-reply payloads and postbacks are routed like text."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from server.channels.common import disabled, epoch_s, parse_object, rejected
from server.events import TEXT, Inbound
from server.platforms.messenger import GraphApi
from server.render import messenger as messenger_render
from server.replies import Reply
from server.security import facebook_signature_valid, tokens_equal

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["channels"])

ATTACHMENT_KINDS = {"image", "audio", "video", "file", "location", "fallback", "sticker", "template"}


class FacebookChannel:
    name = "facebook"

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.api = GraphApi(gateway.settings, gateway.http)

    def before_turn(self, event: Inbound) -> None:
        pass

    def resolve(self, user: str, text: str) -> str:
        return text

    async def send(self, user: str, replies: List[Reply]) -> int:
        messages = messenger_render.render(replies)
        await self.gateway.outbox.deliver(self.name, user, messages)
        return len(messages)


def parse_messaging(item: Dict[str, Any]) -> Optional[Tuple[Inbound, str]]:
    """One `entry[].messaging[]` item -> (event, de-duplication key), or None to skip it."""
    sender = item.get("sender") if isinstance(item.get("sender"), dict) else {}
    user = str(sender.get("id") or "")
    at = epoch_s(item.get("timestamp"))
    if not user:
        return None
    message = item.get("message")
    if isinstance(message, dict):
        mid = str(message.get("mid") or "")
        if message.get("is_echo") or not mid:
            return None
        quick = message.get("quick_reply") if isinstance(message.get("quick_reply"), dict) else {}
        if quick.get("payload"):
            return Inbound("facebook", user, TEXT, text=str(quick["payload"]), at=at), mid
        if message.get("text"):
            return Inbound("facebook", user, TEXT, text=str(message["text"]), at=at), mid
        attachments = message.get("attachments") or []
        kind = "other"
        if attachments and isinstance(attachments[0], dict):
            first = attachments[0]
            kind = str(first.get("type") or "other")
            if kind == "image" and isinstance(first.get("payload"), dict) and first["payload"].get("sticker_id"):
                kind = "sticker"
            kind = kind if kind in ATTACHMENT_KINDS else "other"
        if message.get("sticker_id"):
            kind = "sticker"
        return Inbound("facebook", user, kind, at=at), mid
    postback = item.get("postback")
    if isinstance(postback, dict):
        text = str(postback.get("payload") or postback.get("title") or "")
        if not text:
            return None
        key = str(postback.get("mid") or f"postback:{user}:{item.get('timestamp')}:{text}")
        return Inbound("facebook", user, TEXT, text=text, at=at), key
    return None  # delivery, read, reaction, referral…: nothing to answer


@router.get("/facebook", summary="Messenger webhook verification (hub.challenge)")
async def facebook_verify(
    request: Request,
    mode: str = Query("", alias="hub.mode"),
    verify_token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge", max_length=256),
) -> Response:
    gateway = request.app.state.gateway
    if "facebook" not in gateway.channels:
        return disabled("Facebook")
    if mode == "subscribe" and tokens_equal(verify_token, gateway.settings.fb_verify_token) and challenge:
        return PlainTextResponse(challenge)
    log.warning("facebook verification refused (mode or verify token wrong)")
    return rejected(403, "verification failed")


@router.post("/facebook", summary="Messenger webhook (signed events)")
async def facebook_webhook(request: Request) -> JSONResponse:
    gateway = request.app.state.gateway
    if "facebook" not in gateway.channels:
        return disabled("Facebook")
    raw = await request.body()
    if not facebook_signature_valid(request.headers.get("x-hub-signature-256"), gateway.settings.fb_app_secret, raw):
        why = "invalid" if request.headers.get("x-hub-signature-256") else "missing"
        log.warning("facebook webhook rejected: %s X-Hub-Signature-256 (%d bytes)", why, len(raw))
        return rejected(403, f"{why} X-Hub-Signature-256")
    body = parse_object(raw)
    if body is None:
        return rejected(400, "body is not a JSON object")
    counts: Dict[str, int] = {}
    entries = body.get("entry") if body.get("object") == "page" and isinstance(body.get("entry"), list) else []
    for entry in entries:
        items = entry.get("messaging") if isinstance(entry, dict) else None
        for item in items if isinstance(items, list) else []:
            parsed = parse_messaging(item) if isinstance(item, dict) else None
            if parsed is None:
                counts["ignored"] = counts.get("ignored", 0) + 1
                continue
            event, key = parsed
            status = gateway.accept(event, key)
            counts[status] = counts.get(status, 0) + 1
    return JSONResponse({"status": "ok", **counts})
