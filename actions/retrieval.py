"""The knowledge retriever, loaded once per process on first use (not at import time)."""
from __future__ import annotations

import asyncio
import threading
from typing import List, Optional

from dvcbot.settings import get_settings
from knowledge.finetune import embedding_model
from knowledge.retriever import Result, Retriever

_lock = threading.Lock()
_retriever: Optional[Retriever] = None


def get_retriever() -> Retriever:
    global _retriever
    if _retriever is None:
        with _lock:
            if _retriever is None:
                settings = get_settings()
                _retriever = Retriever.load(settings.index_dir, embedding_model(settings))
    return _retriever


async def search(query: str, k: int = 3) -> List[Result]:
    """Run the (CPU-bound) search off the action server's event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: get_retriever().search(query, k=k))


def confident(result: Optional[Result]) -> bool:
    if result is None:
        return False
    settings = get_settings()
    return (
        result.dense >= settings.retrieval_min_dense
        or result.lexical >= settings.retrieval_min_lexical
        or (result.dense >= settings.retrieval_min_dense - 0.1 and result.lexical >= settings.retrieval_min_lexical / 2 + 0.5)
    )
