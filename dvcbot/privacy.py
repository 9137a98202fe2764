"""`dvc-bot privacy`: the retention limit and a citizen's requests (export, erase), over the
database (store/privacy.py: conversations, feedback, handoffs) and the gateways' own files
(server/privacy.py: outbox, inbox, Zalo reply windows). `dvc-bot serve` runs `purge_all` at start
and every 24 hours (dvcbot/supervisor.py)."""
from __future__ import annotations

from typing import Any, Dict, Optional

from common.settings import Settings, get_settings
from server import privacy as gateway_privacy
from store import privacy as store_privacy
from store.db import engine_for

PURGE_EVERY_S = 24 * 3600


def purge_all(settings: Optional[Settings] = None, days: Optional[int] = None) -> Dict[str, int]:
    settings = settings or get_settings()
    days = days or settings.data_retention_days
    done = store_privacy.purge(engine_for(settings.db_url), days, proof_days=settings.consent_proof_days)
    done.update(gateway_privacy.purge(settings.data_dir, days))
    return done


def export_user(user: str, settings: Optional[Settings] = None) -> Dict[str, Any]:
    """Everything stored about CHANNEL:ID (raises store.privacy.BadUser)."""
    settings = settings or get_settings()
    channel, ident, sender = store_privacy.sender_of(user)
    data: Dict[str, Any] = {"user": user, "sender_id": sender}
    data.update(store_privacy.export(engine_for(settings.db_url), sender))
    data.update(gateway_privacy.export(settings.data_dir, channel, ident))
    data["found"] = any(isinstance(v, list) and v for v in data.values())
    return data


def erase_user(user: str, settings: Optional[Settings] = None) -> Dict[str, Any]:
    """Delete everything stored about CHANNEL:ID; returns how many rows, by table."""
    settings = settings or get_settings()
    channel, ident, sender = store_privacy.sender_of(user)
    deleted: Dict[str, int] = dict(store_privacy.erase(engine_for(settings.db_url), sender))
    deleted.update(gateway_privacy.erase(settings.data_dir, channel, ident))
    return {"user": user, "sender_id": sender, "deleted": deleted}
