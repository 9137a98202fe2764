"""One citizen turn through Rasa, channel-independent, with an honest answer when Rasa fails."""
from __future__ import annotations

import logging
from typing import List

from common.settings import get_settings
from server.rasa_client import RasaClient, RasaUnavailable
from server.replies import Reply
from store.outcomes import ERROR, marker

log = logging.getLogger(__name__)


# The promise to a citizen: an answer, or this apology, within this many seconds of the message
# reaching the gateway: RASA_TIMEOUT_S (2.5 s by default) bounds the wait for Rasa, the rest is
# the gateway's own work. (Not while the gateway warms up at start, server/warmup.py: a first
# turn then waits for the warm-up, at most WARM_UP_WAIT_S, rather than apologise.)
REPLY_WITHIN_S = 3.0


def apology(reason: str = "rasa_unavailable") -> Reply:
    """The honest answer when Rasa fails; marked (outcome "error") for metrics and logs."""
    settings = get_settings()
    return Reply(
        text=(
            "Xin lỗi, hệ thống trả lời tự động đang bận hoặc gặp sự cố. Bạn vui lòng thử lại sau ít "
            f"phút, hoặc gọi tổng đài Cổng Dịch vụ công quốc gia {settings.hotline_portal} "
            f"(VNeID, căn cước: {settings.hotline_vneid})."
        ),
        custom=marker(ERROR, reason=reason),
    )


async def handle_turn(rasa: RasaClient, sender: str, text: str, channel: str) -> List[Reply]:
    try:
        replies = await rasa.send(sender, text, metadata={"channel": channel})
    except RasaUnavailable:
        log.warning("turn answered with an apology (channel=%s)", channel)
        return [apology()]
    return replies or [apology("no_reply")]
