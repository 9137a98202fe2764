"""The bot pipeline in one process (Rasa agent + custom actions), for `dvc-bot ask` and `shell`.

Custom actions run through the real Rasa SDK executor, called in-process instead of over HTTP,
so a single command works with nothing else running.
"""
from __future__ import annotations

import dvcbot.quiet  # noqa: F401  (before Rasa/TensorFlow)

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import interfaces as sdk
from rasa_sdk.executor import ActionExecutor

from dvcbot import rasa_patches, training
from dvcbot.quiet import configure_logging
from common.settings import Settings, get_settings
from knowledge.normalize import normalize_text
from server.replies import Reply, all_sources, from_rasa, joined_text


class InProcessActionEndpoint(EndpointConfig):
    """An action endpoint that runs the `actions` package in this process."""

    def __init__(self, package: str = "actions") -> None:
        super().__init__(url=f"inprocess://{package}")
        self.executor = ActionExecutor()
        self.executor.register_package(package)

    async def request(self, method: str = "post", subpath: Optional[str] = None, content_type: Optional[str] = "application/json", compress: bool = False, **kwargs: Any) -> Any:
        try:
            return await self.executor.run(kwargs["json"])
        except sdk.ActionExecutionRejection as exc:
            raise ActionExecutionRejection(exc.action_name, exc.message) from exc


@dataclass
class Turn:
    question: str
    replies: List[Reply]
    intent: Optional[str]
    confidence: Optional[float]
    latency_ms: float
    ranking: List[Dict[str, Any]] = field(default_factory=list)
    entities: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return joined_text(self.replies)

    def as_json(self) -> Dict[str, Any]:
        """The `dvc-bot ask --json` contract (keep stable)."""
        return {
            "question": self.question,
            "text": self.text,
            "intent": self.intent,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "sources": [s.dict() for s in all_sources(self.replies)],
            "latency_ms": round(self.latency_ms, 1),
        }


class BotRuntime:
    def __init__(self, settings: Optional[Settings] = None, log=training.log_stderr) -> None:
        configure_logging()
        self.settings = settings or get_settings()
        model = training.train(settings=self.settings, log=log)
        rasa_patches.apply()
        self.agent = Agent.load(str(model), action_endpoint=InProcessActionEndpoint())

    async def warm_up(self) -> None:
        """Run throw-away turns: TensorFlow compiles its graphs on the first prediction and the
        retriever loads on the first knowledge question (seconds), which should not be a
        citizen's wait."""
        for text in ("xin chào", "đăng nhập dịch vụ công bằng VNeID thế nào"):
            await self.agent.handle_message(UserMessage(text, CollectingOutputChannel(), "warm-up"))

    async def ask(self, question: str, sender: Optional[str] = None) -> Turn:
        sender = sender or f"cli-{uuid.uuid4().hex[:8]}"
        text = normalize_text(question)
        out = CollectingOutputChannel()
        start = time.perf_counter()
        await self.agent.handle_message(UserMessage(text, out, sender, input_channel="cli"))
        latency = (time.perf_counter() - start) * 1000
        tracker = await self.agent.tracker_store.get_or_create_tracker(sender)
        parse = tracker.latest_message.parse_data if tracker.latest_message else {}
        intent = parse.get("intent") or {}
        return Turn(
            question=question,
            replies=from_rasa(out.messages),
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            latency_ms=latency,
            ranking=parse.get("intent_ranking") or [],
            entities=parse.get("entities") or [],
        )
