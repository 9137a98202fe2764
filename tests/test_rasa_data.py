"""`rasa data validate` must be clean for the project as laid out (bot/ + data/nlu/)."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_rasa_data_validate(bot_env):
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings",
         "--domain", "bot/domain.yml", "--data", "data/nlu", "bot/data", "--config", "bot/config.yml"],
        cwd=ROOT, env=bot_env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]



def _fold(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text.strip()).casefold()


def test_conversation_tests_do_not_say_training_examples():
    """A conversation test that sends a training sentence proves only that Rasa remembers it."""
    import re

    from rasa.shared.nlu.training_data.loading import load_data

    said = re.findall(r'\.say\(\s*"([^"/][^"]*)"', (ROOT / "tests" / "test_conversations.py").read_text(encoding="utf-8"))
    training = {_fold(m.get("text") or "") for m in load_data(str(ROOT / "data" / "nlu")).training_examples} - {""}
    assert len(said) >= 20 and len(training) > 500
    verbatim = [s for s in said if _fold(s) in training]
    assert not verbatim, verbatim
