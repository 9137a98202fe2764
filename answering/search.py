"""The knowledge retriever, loaded once per process on first use (not at import time)."""
from __future__ import annotations

import threading
from typing import Optional

from common.settings import get_settings
from knowledge.finetune import embedding_model
from knowledge.retriever import Retriever

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
