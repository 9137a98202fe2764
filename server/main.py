"""The gateway: `uvicorn server.main:app --ws wsproto`.

`app` is an ASGI app: socket.io (`/socket.io/`, the website widget) in front of the FastAPI app
(webhooks, widget page, health, Prometheus `/metrics`, the staff report under `/staff/`, docs).
`create_app(settings)` builds a fresh one (tests)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any, Optional

import socketio
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from common.settings import Settings, get_settings
from server.channels import facebook, web, widget, zalo
from server import staff
from server.channels import socketio as socketio_channel
from server.gateway import Gateway
from server.limits import BodySizeLimit
from server.metrics import Metrics


def configure_logging(log_format: str = "text") -> None:
    """Gateway log lines on stderr (uvicorn configures only its own loggers), as text with
    key=value fields or JSON (LOG_FORMAT); personal data masked in every record (common.logs).
    Outbound URLs can carry tokens, so httpx's request log stays off."""
    from common.logs import configure

    logging.getLogger("httpx").setLevel(logging.WARNING)
    configure(log_format, "server")


def create_api(settings: Settings) -> FastAPI:
    metrics = Metrics()  # one registry per app (tests build many apps in one process)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        staff.warn_if_disabled(settings)
        gateway = Gateway(settings, metrics=metrics)
        app.state.gateway = gateway
        app.state.rasa = gateway.rasa
        gateway.desk.attach(getattr(app.state, "sio", None))  # staff replies to widgets (socket.io)
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
    app.state.metrics = metrics
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    for module in (web, zalo, facebook, widget, staff):
        app.include_router(module.router)

    async def database_unavailable(request, exc) -> JSONResponse:  # the staff pages and API, the report
        return JSONResponse({"detail": "the database is unavailable; try again in a moment"}, status_code=503)

    from store.records import UNAVAILABLE

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, database_unavailable)

    @app.get("/health", tags=["ops"], summary="Readiness: model loaded, actions up, warmed up (server/warmup.py)")
    async def health() -> JSONResponse:
        gateway = app.state.gateway
        status = await gateway.rasa.status()
        up = status["rasa"] == "ok" and status["actions"] == "ok"
        ready = up and gateway.ready  # real turns came back within RASA_TIMEOUT_S
        channels = {"web": "on", **{name: ("on" if name in gateway.channels else "off") for name in ("zalo", "facebook")}}
        body = {"status": "ok" if ready else ("warming up" if up else "unavailable"), **status,
                "channels": channels, "outbox": gateway.outbox.counts()}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/health/live", tags=["ops"], summary="Liveness: the gateway process answers")
    async def live() -> dict:
        return {"status": "ok"}

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics of this gateway process (no personal data)",
             response_class=PlainTextResponse)
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    return app


def create_app(settings: Optional[Settings] = None) -> Any:
    settings = settings or get_settings()
    configure_logging(settings.log_format)
    api = create_api(settings)
    sio = socketio_channel.build(lambda: api.state.gateway, settings)
    api.state.sio = sio
    asgi = socketio.ASGIApp(sio, other_asgi_app=api, socketio_path="socket.io")
    asgi.api = api  # the FastAPI app, for introspection
    return asgi


app = create_app()
