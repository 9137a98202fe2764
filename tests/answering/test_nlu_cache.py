"""benchmarks/nlu_cache.py: the production NLU's parse of each evaluation turn, passed to the layer
in a replay as the Rasa actions pass it."""
import json

import pytest

from benchmarks import fitting, nlu_cache


def test_a_cached_parse_becomes_the_nlu_the_actions_would_pass():
    nlu = nlu_cache.nlu_of({"text": "hộ chiếu mất bao lâu", "intent": "ask_procedure", "confidence": 0.93,
                            "entities": [{"entity": "procedure", "value": "cap-ho-chieu"}, {"entity": "aspect", "value": "time"},
                                         {"entity": "procedure", "value": None}]})
    assert (nlu.intent, nlu.confidence, nlu.procedures, nlu.aspects, nlu.from_button) == (
        "ask_procedure", 0.93, ["cap-ho-chieu"], ["time"], False)
    assert nlu_cache.nlu_of({"text": "/ask_procedure", "intent": "ask_procedure", "confidence": 1.0}).from_button
    assert nlu_cache.nlu_of(None).intent == ""  # a turn never parsed: the layer alone


def test_a_replay_with_nlu_passes_each_turn_its_cached_parse(tmp_path, monkeypatch):
    from knowledge.normalize import normalize_text

    item = json.loads((fitting.ROOT / "eval" / "fresh23" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0])
    turns = item.get("turns") or [item["question"]]
    parses = {normalize_text(t): {"text": normalize_text(t), "intent": "out_of_scope", "confidence": 0.99, "entities": []}
              for t in turns}
    monkeypatch.setattr(nlu_cache, "load", lambda model=None: parses)
    seen = []
    import answering

    real = answering.answer
    monkeypatch.setattr(answering, "answer", lambda text, ctx, **kw: seen.append(kw["nlu"].intent) or real(text, ctx, **kw))
    next(fitting.replay([("fresh23", "dev")], nlu=True))
    assert seen == ["out_of_scope"] * len(turns)


def test_without_a_cache_for_the_model_it_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setattr(nlu_cache, "CACHE", tmp_path)
    with pytest.raises(SystemExit, match="run benchmarks/nlu_cache.py"):
        nlu_cache.load(tmp_path / "dvc-bot-x.tar.gz")
