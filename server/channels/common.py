"""Helpers shared by the platform webhooks."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from fastapi.responses import JSONResponse


def disabled(name: str) -> JSONResponse:
    return JSONResponse({"detail": f"the {name} channel is not configured on this server"}, status_code=503)


def rejected(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def parse_object(raw: bytes) -> Optional[Dict[str, Any]]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def epoch_s(value: Any) -> float:
    """A platform timestamp in milliseconds (number or string) -> seconds; 0 if unreadable."""
    try:
        return float(value) / 1000.0
    except (TypeError, ValueError):
        return 0.0
