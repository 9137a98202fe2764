"""A real Rasa training run (few epochs) and what the trained model understands."""
import asyncio
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DVC_BOT, ROOT

pytestmark = pytest.mark.slow


def test_training_produces_a_model_and_skips_when_unchanged(bot_env, trained_model):
    before = trained_model.stat().st_mtime
    result = subprocess.run([DVC_BOT, "train"], env=bot_env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "up to date" in (result.stdout + result.stderr)
    assert trained_model.stat().st_mtime == before


def test_fingerprint_changes_with_the_training_data(tmp_path, monkeypatch):
    import shutil

    from common.settings import Settings
    from dvcbot.training import fingerprint

    for folder in ("bot", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    settings = Settings(project_root=tmp_path)
    first = fingerprint(settings)
    with open(tmp_path / "data" / "nlu" / "basics.yml", "a", encoding="utf-8") as fh:
        fh.write("      - chào buổi sáng\n")
    assert fingerprint(settings) != first


@pytest.mark.parametrize(
    "text, span, procedure",
    [
        ("đổi giấy phép lái xe mất bao lâu", "giấy phép lái xe", "doi-giay-phep-lai-xe"),
        ("làm căn cước mất bao lâu", "căn cước", "cap-the-can-cuoc"),
        ("đăng ký khai sinh mất bao lâu", "đăng ký khai sinh", "dang-ky-khai-sinh"),
    ],
)
def test_a_multi_syllable_entity_is_extracted(agent, text, span, procedure):
    """The procedure entity covers the whole multi-syllable name (the training data annotates
    some with their verb, e.g. "làm căn cước"), with offsets into the text, and is mapped to
    the catalog id by the generated synonyms or the catalog matcher."""
    parsed = asyncio.run(agent.parse_message(text))
    assert parsed["intent"]["name"] == "ask_procedure"
    from knowledge.catalog import default_matcher

    # the value is the catalog id (generated synonyms) or a span the actions' matcher resolves
    found = [e for e in parsed["entities"] if e["entity"] == "procedure" and getattr(default_matcher().find(e["value"]), "id", None) == procedure]
    assert found, parsed["entities"]
    entity = found[0]
    extracted = text[entity["start"] : entity["end"]]
    assert span in extracted and len(extracted.split()) >= 2


@pytest.mark.parametrize(
    "text, intent",
    [
        ("xin chào", "greet"), ("cam on ban nhieu", "thank"), ("tạm biệt nhé", "goodbye"),
        ("lam ho chieu mat bao lau", "ask_procedure"), ("cho tôi gặp cán bộ", "ask_human"),
        ("có người gọi đòi mã OTP của tôi", "ask_security"), ("thời tiết hôm nay thế nào", "out_of_scope"),
    ],
)
def test_intents(agent, text, intent):
    assert asyncio.run(agent.parse_message(text))["intent"]["name"] == intent


def test_an_interrupted_training_leaves_no_model(tmp_path, monkeypatch):
    """The archive is written in a scratch folder and moved into place only when complete."""
    import rasa.model_training

    from common.settings import Settings
    from dvcbot.training import model_path, train

    settings = Settings(model_dir=tmp_path / "models")

    def interrupted(output, fixed_model_name, **kwargs):
        (Path(output) / f"{fixed_model_name}.tar.gz").write_bytes(b"\x1f\x8b half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(rasa.model_training, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(settings=settings, log=lambda m: None)
    assert not model_path(settings).exists()
    assert list((tmp_path / "models").iterdir()) == []
