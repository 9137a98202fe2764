"""Talks to the Rasa server (REST channel and status API) over HTTP.

Rasa runs in its own process: its inference is synchronous and would block the gateway's
event loop for the length of a turn.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import httpx

from server.replies import Reply, from_rasa

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timeout, or an error status)."""


class RasaClient:
    def __init__(self, base_url: str, actions_url: str, timeout_s: float, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token_params = {"token": token} if token else {}
        self.actions_health_url = actions_url.rsplit("/", 1)[0] + "/health"
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=2.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None,
                   timeout_s: Optional[float] = None) -> List[Reply]:
        """One turn; `timeout_s` overrides the client's (RASA_TIMEOUT_S) for this turn only."""
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        try:
            extra: Dict[str, Any] = {} if timeout_s is None else {"timeout": httpx.Timeout(timeout_s, connect=2.0)}
            response = await self.http.post(f"{self.base_url}/webhooks/rest/webhook", json=body, **extra)
            response.raise_for_status()
            messages = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("rasa turn failed: %s", type(exc).__name__)
            raise RasaUnavailable(type(exc).__name__) from exc
        return from_rasa(messages if isinstance(messages, list) else [])

    async def status(self) -> Dict[str, Any]:
        """Readiness of Rasa (model loaded) and of the action server."""
        result: Dict[str, Any] = {"rasa": "down", "actions": "down", "model": None}
        try:
            response = await self.http.get(f"{self.base_url}/status", params=self.token_params, timeout=2.0)
            if response.status_code == 200 and response.json().get("model_file"):
                result["rasa"] = "ok"
                result["model"] = response.json().get("model_file")
        except (httpx.HTTPError, ValueError):
            pass
        try:
            response = await self.http.get(self.actions_health_url, timeout=2.0)
            if response.status_code == 200:
                result["actions"] = "ok"
        except httpx.HTTPError:
            pass
        return result
