"""Helpers of the staff desk tests: a citizen on Zalo or Messenger (real signed webhooks), the
staff API with the Bearer token, and the shared database read back as staff see it."""
from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Dict, List

from tests.fakes import facebook_sig, messenger_body, messenger_text, wait_for, zalo_mac, zalo_text_event

TOKEN = "staff-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def zalo_says(client, gateway, user: str, text: str, at_ms: int = 0) -> None:
    body = zalo_text_event(user, text, f"m-{user}-{time.monotonic_ns()}", timestamp=str(at_ms) if at_ms else None)
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json", "X-ZEvent-Signature": zalo_mac("app-1", raw, body["timestamp"], "oa-secret-key")}
    assert client.post(f"{gateway.base}/webhooks/zalo", content=raw, headers=headers).json() == {"status": "accepted"}


def messenger_says(client, gateway, psid: str, text: str) -> None:
    raw = json.dumps(messenger_body(messenger_text(psid, text, f"mid.{psid}.{time.monotonic_ns()}")), ensure_ascii=False).encode()
    headers = {"content-type": "application/json", "X-Hub-Signature-256": facebook_sig("fb-app-secret", raw)}
    assert client.post(f"{gateway.base}/webhooks/facebook", content=raw, headers=headers).json()["accepted"] == 1


def zalo_texts(platform, user: str) -> List[str]:
    return [r["json"]["message"].get("text") for r in platform.sent("zalo") if r["json"]["recipient"]["user_id"] == user]


def graph_sent(platform, psid: str) -> List[Dict[str, Any]]:
    return [r["json"] for r in platform.sent("graph") if r["json"]["recipient"]["id"] == psid]


def open_requests(client, gateway, status: str = "open") -> List[Dict[str, Any]]:
    response = client.get(f"{gateway.base}/staff/api/handoffs", params={"status": status}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def request_of(client, gateway, handoff_id: int) -> Dict[str, Any]:
    response = client.get(f"{gateway.base}/staff/api/handoffs/{handoff_id}", headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def staff(client, gateway, handoff_id: int, action: str, text: str = "") -> Any:
    body = {"json": {"text": text}} if action == "reply" else {}
    return client.post(f"{gateway.base}/staff/api/handoffs/{handoff_id}/{action}", headers=AUTH, **body)


def request_for(client, gateway, sender: str) -> Dict[str, Any]:
    """The open request of this Rasa sender id ("zalo:123", "web:abc") as the API lists it."""
    from common.logs import conversation_id_for

    pseudonym = conversation_id_for(sender, gateway.settings)
    return wait_for(lambda: next((r for r in open_requests(client, gateway) if r["conversation"] == pseudonym), None),
                    what="the request listed by the API")


def hands_over(client, gateway, user: str, says=zalo_says, prefix: str = "zalo") -> Dict[str, Any]:
    """The citizen asks for a person; returns their open request."""
    says(client, gateway, user, "gặp cán bộ")
    request = request_for(client, gateway, f"{prefix}:{user}")
    settled(gateway)  # the gateway has handed the conversation over, not only the bot recorded it
    return request


def settled(gateway) -> None:
    """Every acknowledged event processed (its inbox row goes once its replies are handed over)."""
    db = sqlite3.connect(gateway.settings.data_dir / gateway.settings.gateway_db_name)
    try:
        wait_for(lambda: db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0, what="the inbox emptied")
    finally:
        db.close()


def shared_db(gateway) -> sqlite3.Connection:
    """The database every worker shares (DATABASE_URL; here a SQLite file)."""
    return sqlite3.connect(gateway.settings.db_url.removeprefix("sqlite:///"), isolation_level=None)
