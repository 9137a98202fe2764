"""Helpers of the campaign tests: `dvc-bot` run as an operator runs it (a subprocess with the
gateway's environment), the running gateway object (to move its campaign clock), and what the
fake platforms received."""
from __future__ import annotations

import json
import os
import subprocess
from typing import Any, Dict, List

from tests.conftest import DVC_BOT, ROOT
from tests.fakes import wait_for

SETTINGS_ENV = ("zalo_app_id", "zalo_oa_secret_key", "zalo_app_secret", "zalo_access_token", "zalo_refresh_token", "zalo_api_base",
                "zalo_oauth_base", "fb_app_secret", "fb_verify_token", "fb_page_access_token", "fb_graph_api_base",
                "campaign_hours", "campaign_daily_cap", "zalo_promotion", "staff_token")


def cli(gateway, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    settings = gateway.settings
    env = {**os.environ, "DVC_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.db_url}
    env.update({name.upper(): str(getattr(settings, name)) for name in SETTINGS_ENV})
    return subprocess.run([DVC_BOT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def send(gateway, *args: str) -> Dict[str, Any]:
    """`dvc-bot campaign send ... --yes`: its one JSON line."""
    done = cli(gateway, "campaign", "send", *args, "--yes", "--wait", "60")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])


def consent_list(gateway, *args: str) -> List[Dict[str, Any]]:
    done = cli(gateway, "consent", "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def gateway_of(server) -> Any:
    """The Gateway object inside a running ServerThread (its campaign clock, its rounds)."""
    return server.config.app.api.state.gateway


def next_rounds(server, count: int = 2) -> None:
    """Wait until the gateway's campaign sender has done `count` more rounds."""
    campaigns = gateway_of(server).campaigns
    start = campaigns.rounds
    wait_for(lambda: campaigns.rounds >= start + count, what=f"{count} campaign rounds")


def zalo_to(platform, user: str, kind: str = "zalo") -> List[Dict[str, Any]]:
    return [r["json"]["message"] for r in platform.sent(kind) if r["json"]["recipient"]["user_id"] == user]
