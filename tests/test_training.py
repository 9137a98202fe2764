"""A real Rasa training run (few epochs) and what the trained model understands."""
import asyncio
import subprocess

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

    from dvcbot.settings import Settings
    from dvcbot.training import fingerprint

    for folder in ("bot", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    settings = Settings(project_root=tmp_path)
    first = fingerprint(settings)
    with open(tmp_path / "data" / "nlu" / "basics.yml", "a", encoding="utf-8") as fh:
        fh.write("      - chào buổi sáng\n")
    assert fingerprint(settings) != first


@pytest.mark.parametrize(
    "text, value",
    [
        ("đổi giấy phép lái xe mất bao lâu", "giấy phép lái xe"),
        ("làm căn cước mất bao lâu", "căn cước"),
        ("đăng ký khai sinh mất bao lâu", "đăng ký khai sinh"),
    ],
)
def test_a_multi_syllable_entity_is_extracted(agent, text, value):
    parsed = asyncio.run(agent.parse_message(text))
    assert parsed["intent"]["name"] == "ask_processing_time"
    procedures = [e for e in parsed["entities"] if e["entity"] == "procedure"]
    assert procedures, parsed["entities"]
    entity = procedures[0]
    assert entity["value"] == value
    assert text[entity["start"] : entity["end"]] == value


@pytest.mark.parametrize(
    "text, intent",
    [("xin chào", "greet"), ("cam on ban nhieu", "thank"), ("tạm biệt nhé", "goodbye"), ("lam ho chieu mat bao lau", "ask_processing_time")],
)
def test_intents(agent, text, intent):
    assert asyncio.run(agent.parse_message(text))["intent"]["name"] == intent
