"""`dvc-bot finetune`: adapt the embedding model to this knowledge base (CPU, a few minutes).

Training pairs come from the knowledge itself: each example question of a document and each
alias of a procedure, paired with the chunks of its record. The loss is the in-batch softmax
("multiple negatives ranking"): a question must be closer to a chunk of its own record than to
the other chunks in the batch; other chunks of the same record are masked out (not negatives).
Texts go through the same search form as at query time. The result is a model folder (not
committed): point EMBEDDING_MODEL at it, or let `dvc-bot index` use the default location.
"""
from __future__ import annotations

import random
import time
from pathlib import Path
from typing import List, Tuple

from knowledge.catalog import load_procedures
from knowledge.chunks import all_chunks
from knowledge.documents import load_documents
from knowledge.normalize import search_form


def training_pairs() -> List[Tuple[str, str, str]]:
    """(query, positive text, record id)."""
    documents, procedures = load_documents(), load_procedures()
    by_record = {}
    for chunk in all_chunks(documents, procedures):
        by_record.setdefault(chunk.record_id, []).append(chunk.search_text)
    pairs = []
    for doc in documents.values():
        for question in doc.questions:
            for text in by_record[doc.id]:
                pairs.append((question, text, doc.id))
    for proc in procedures.values():
        for alias in [proc.name, *proc.aliases]:
            for text in by_record[proc.id]:
                pairs.append((alias, text, proc.id))
    return pairs


def finetune(base_model: str, output: Path, epochs: int = 2, batch_size: int = 32, lr: float = 3e-5, seed: int = 13, max_pairs_per_query: int = 3, max_queries: int = 0, log=print) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    random.seed(seed)
    torch.manual_seed(seed)
    model = SentenceTransformer(base_model, device="cpu")
    model.max_seq_length = 128
    all_pairs = training_pairs()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    scale = 20.0
    start = time.monotonic()

    def embed(texts: List[str]) -> torch.Tensor:
        features = model.tokenize([search_form(t) for t in texts])
        out = model(features)["sentence_embedding"]
        return torch.nn.functional.normalize(out, dim=-1)

    model.train()
    for epoch in range(epochs):
        # a few positives per query each epoch, so long records do not dominate
        grouped = {}
        for q, p, r in all_pairs:
            grouped.setdefault(q, []).append((q, p, r))
        groups = list(grouped.values())[: max_queries or None]
        pairs = [pair for group in groups for pair in random.sample(group, min(len(group), max_pairs_per_query))]
        random.shuffle(pairs)
        batches = [pairs[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
        total = 0.0
        for batch in tqdm(batches, desc=f"fine-tuning epoch {epoch + 1}/{epochs}"):
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
    model.save(str(output))
    log(f"fine-tuned model written to {output} in {time.monotonic() - start:.0f} s")
    return output
