"""Everything under /staff/ (STAFF_TOKEN unset: all 404): the report (report.py), the JSON API
for a province's own helpdesk (api.py), the console pages (pages.py) and its campaign pages
(campaigns.py), with one way to say who is calling (auth.py)."""
from __future__ import annotations

import logging

from fastapi import APIRouter

from server.staff import api, campaigns, pages, report

log = logging.getLogger(__name__)

router = APIRouter()
for module in (report, api, pages, campaigns):
    router.include_router(module.router)


def warn_if_disabled(settings) -> None:
    if not settings.staff_token:
        log.warning("staff pages disabled: set STAFF_TOKEN to enable /staff/ (the console, the API and the report answer 404)")
