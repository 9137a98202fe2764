"""The FastAPI gateway: `uvicorn server.main:app --ws wsproto`."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from dvcbot.settings import get_settings
from server.channels import web
from server.rasa_client import RasaClient


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    app.state.rasa = RasaClient(
        settings.rasa_base_url, settings.actions_url, settings.rasa_timeout_s, settings.rasa_token
    )
    try:
        yield
    finally:
        await app.state.rasa.close()


def create_app() -> FastAPI:
    app = FastAPI(
        title="Trợ lý dịch vụ công trực tuyến — gateway",
        version="0.1.0",
        description="Webhooks for the website, Zalo OA and Facebook Messenger in front of Rasa.",
        lifespan=lifespan,
    )
    app.include_router(web.router)

    @app.get("/health", tags=["ops"], summary="Readiness: model loaded and actions up")
    async def health() -> JSONResponse:
        status = await app.state.rasa.status()
        ready = status["rasa"] == "ok" and status["actions"] == "ok"
        return JSONResponse({"status": "ok" if ready else "unavailable", **status}, status_code=200 if ready else 503)

    @app.get("/health/live", tags=["ops"], summary="Liveness: the gateway process answers")
    async def live() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
