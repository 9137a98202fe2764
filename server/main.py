"""The gateway: `uvicorn server.main:app --ws wsproto`.

`app` is an ASGI app: socket.io (`/socket.io/`, the website widget) in front of the FastAPI app
(webhooks, widget page, health, docs). `create_app(settings)` builds a fresh one (tests)."""
from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager
from typing import Any, Optional

import socketio
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from dvcbot.settings import Settings, get_settings
from server.channels import facebook, web, widget, zalo
from server.channels import socketio as socketio_channel
from server.gateway import Gateway
from server.limits import BodySizeLimit


def configure_logging() -> None:
    """Gateway log lines on stderr (uvicorn configures only its own loggers). Outbound URLs can
    carry tokens, so httpx's request log stays off."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logger = logging.getLogger("server")
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def create_api(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        gateway = Gateway(settings)
        app.state.gateway = gateway
        app.state.rasa = gateway.rasa
        await gateway.start()
        try:
            yield
        finally:
            await gateway.close()

    app = FastAPI(
        title="Trợ lý dịch vụ công trực tuyến — gateway",
        version="0.1.0",
        description="Webhooks for the website, Zalo OA and Facebook Messenger in front of Rasa.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    for module in (web, zalo, facebook, widget):
        app.include_router(module.router)

    @app.get("/health", tags=["ops"], summary="Readiness: model loaded and actions up")
    async def health() -> JSONResponse:
        gateway = app.state.gateway
        status = await gateway.rasa.status()
        ready = status["rasa"] == "ok" and status["actions"] == "ok"
        channels = {"web": "on", **{name: ("on" if name in gateway.channels else "off") for name in ("zalo", "facebook")}}
        body = {"status": "ok" if ready else "unavailable", **status, "channels": channels, "outbox": gateway.outbox.counts()}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/health/live", tags=["ops"], summary="Liveness: the gateway process answers")
    async def live() -> dict:
        return {"status": "ok"}

    return app


def create_app(settings: Optional[Settings] = None) -> Any:
    settings = settings or get_settings()
    configure_logging()
    api = create_api(settings)
    sio = socketio_channel.build(lambda: api.state.gateway, settings)
    asgi = socketio.ASGIApp(sio, other_asgi_app=api, socketio_path="socket.io")
    asgi.api = api  # the FastAPI app, for introspection
    return asgi


app = create_app()
