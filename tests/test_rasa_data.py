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


def _training_sentences():
    """Every NLU example of data/nlu/, without its entity markup, folded (lowercase, NFC)."""
    import re
    import unicodedata

    import yaml

    found = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                text = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line.strip()[2:] if line.strip().startswith("- ") else "")
                found.add(unicodedata.normalize("NFC", text.strip().lower()))
    return found - {""}


def test_conversation_tests_do_not_say_training_examples():
    """A conversation test that sends a training sentence proves only that Rasa remembers it."""
    import re
    import unicodedata

    said = re.findall(r'\.say\(\s*"([^"/][^"]*)"', (ROOT / "tests" / "test_conversations.py").read_text(encoding="utf-8"))
    training = _training_sentences()
    assert len(said) >= 20 and len(training) > 500
    verbatim = [s for s in said if unicodedata.normalize("NFC", s.strip().lower()) in training]
    assert not verbatim, verbatim
