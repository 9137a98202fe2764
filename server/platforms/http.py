"""One outbound POST, with every failure turned into a SendFailed that says whether a retry can
help. Exception texts are never logged (they can contain URLs with tokens)."""
from __future__ import annotations

from typing import Any, Dict, Optional

import httpx

from server.outbox import SendFailed


async def post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = await client.post(url, **kwargs)
    except httpx.TimeoutException:
        raise SendFailed("timeout", retryable=True) from None
    except httpx.HTTPError as exc:
        raise SendFailed(f"connection error ({type(exc).__name__})", retryable=True) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise SendFailed(f"HTTP {response.status_code}", retryable=True)
    return response


def json_body(response: httpx.Response) -> Optional[Dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
