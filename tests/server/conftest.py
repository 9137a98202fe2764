"""Fixtures for the channel tests: a fake platform (Zalo, Graph, Rasa stand-ins) and the real
gateway app served by uvicorn on loopback, configured to talk to it."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import httpx
import pytest

from common.settings import Settings
from tests.fakes import GRAPH_VERSION, FakePlatform, ServerThread

ZALO = dict(zalo_app_id="app-1", zalo_oa_secret_key="oa-secret-key", zalo_app_secret="zalo-app-secret",
            zalo_access_token="zalo-access-1", zalo_refresh_token="zalo-refresh-1")
FACEBOOK = dict(fb_app_secret="fb-app-secret", fb_verify_token="verify-me", fb_page_access_token="page-token")


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    with ServerThread(fake.app) as server:
        fake.base = server.base
        yield fake


def gateway_settings(platform: FakePlatform, data_dir: Any, **overrides: Any) -> Settings:
    values = dict(
        data_dir=data_dir,
        rasa_url=platform.base,
        action_endpoint_url=f"{platform.base}/webhook",
        zalo_api_base=platform.base,
        zalo_oauth_base=platform.base,
        fb_graph_api_base=f"{platform.base}/{GRAPH_VERSION}",
        outbound_timeout_s=2.0,
        outbound_backoff_s=0.05,
        outbox_retry_base_s=0.2,
        outbox_poll_s=0.1,
        warm_up=False,  # the stand-in has no model to warm (test_warmup.py turns it on)
        **ZALO,
        **FACEBOOK,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def start_gateway(platform, tmp_path) -> Iterator[Callable[..., ServerThread]]:
    """start_gateway(**settings) -> a running gateway (stopped at the end of the test)."""
    from server.main import create_app

    running = []

    def start(**overrides: Any) -> ServerThread:
        settings = gateway_settings(platform, overrides.pop("data_dir", tmp_path / "var"), **overrides)
        server = ServerThread(create_app(settings)).__enter__()
        server.settings = settings
        running.append(server)
        return server

    yield start
    for server in reversed(running):
        server.__exit__(None, None, None)


@pytest.fixture
def gateway(start_gateway) -> ServerThread:
    return start_gateway()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c
