"""Website: a socket.io endpoint (`/socket.io/`) speaking the protocol of Rasa's socketio
channel, so rasa-webchat and other Rasa web widgets connect to the gateway:

- client `session_request` {session_id?} -> server `session_confirm` <session_id>
- client `user_uttered` {message, session_id, customData?} -> server `bot_uttered` {...} per
  message (shapes in server/render/webchat.py).

A staff reply also arrives as `bot_uttered`, live or when the widget next confirms its session
(server/desk.py); the widget keeps its session id in the browser's storage.

python-socketio's AsyncServer runs as ASGI next to FastAPI (server/main.py)."""
from __future__ import annotations

import logging
import uuid
from typing import Any, Callable, Dict, List, Optional

import socketio

from common.settings import Settings
from server import texts
from server.events import MAX_TEXT
from server.render import webchat

log = logging.getLogger(__name__)
INVALID = "Xin lỗi, tôi không đọc được tin nhắn này. Bạn vui lòng gõ lại câu hỏi bằng chữ."


def _session_id(data: Any) -> Optional[str]:
    value = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable() and value.strip():
        return value.strip()
    return None


def allowed_origins(settings: Settings) -> Callable[[str, Dict[str, Any]], bool]:
    """Same origin as the gateway, plus WIDGET_ORIGINS (for a province site embedding the widget)."""
    extra = {o.strip().rstrip("/") for o in settings.widget_origins.split(",") if o.strip()}

    def check(origin: str, environ: Dict[str, Any]) -> bool:
        if not origin:
            return True  # not a browser cross-origin request
        origin = origin.rstrip("/")
        if origin in extra or "*" in extra:
            return True
        host = environ.get("HTTP_HOST", "")
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http")).split(",")[0].strip()
        return origin in (f"{scheme}://{host}", f"http://{host}", f"https://{host}")

    return check


def build(get_gateway: Callable[[], Any], settings: Settings) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins=allowed_origins(settings),
        max_http_buffer_size=settings.max_body_bytes,
        logger=False,
        engineio_logger=False,
    )

    async def utter(sid: str, messages: List[Dict[str, Any]]) -> None:
        for message in messages:
            await sio.emit("bot_uttered", message, room=sid)

    @sio.on("session_request")
    async def session_request(sid: str, data: Any) -> None:
        session_id = _session_id(data) or uuid.uuid4().hex
        await sio.save_session(sid, {"session_id": session_id})
        await sio.enter_room(sid, session_id)
        await sio.emit("session_confirm", session_id, room=sid)
        await get_gateway().desk.widget_connected(sid, session_id)  # staff replies kept while it was away

    @sio.on("disconnect")
    async def disconnect(sid: str, *reason: Any) -> None:
        get_gateway().desk.widget_gone(sid)

    @sio.on("user_uttered")
    async def user_uttered(sid: str, data: Any) -> None:
        saved = await sio.get_session(sid)
        session_id = _session_id(data) or saved.get("session_id") or sid
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str):
            await utter(sid, [{"text": INVALID}])
            return
        if len(message) > 4 * MAX_TEXT:
            await utter(sid, [{"text": texts.TOO_LONG}])
            return
        gateway = get_gateway()
        if not gateway.web_admit(session_id):
            await utter(sid, [{"text": texts.RATE_LIMITED}])
            return
        replies = await gateway.web_turn(session_id, message, channel="socketio")
        await utter(sid, webchat.render(replies))

    return sio
