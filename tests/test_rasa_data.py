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
