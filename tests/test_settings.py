"""Settings (common/settings.py): a bad value is refused at start with a clear error naming the
variable, before anything is started."""
import os
import subprocess

import pytest
from pydantic import ValidationError

from common.settings import Settings, explain
from tests.conftest import DVC_BOT, ROOT


@pytest.mark.parametrize("name,value,says", [
    ("REDIS_KEY_PREFIX", "dvc-bot", "letters and digits only"),
    ("REDIS_KEY_PREFIX", "dvc:bot", "letters and digits only"),
    ("REDIS_KEY_PREFIX", "", "letters and digits only"),
    ("LOG_FORMAT", "xml", "'text' or 'json'"),
    ("ANSWER_DOUBT_THRESHOLD", "1.5", "a probability"),
    ("WORKERS", "0", "from 1 to 64"),
    ("WORKERS", "-2", "from 1 to 64"),
    ("WORKERS", "two", "not a valid integer"),
])
def test_a_bad_value_is_refused_at_start_with_a_clear_error(name, value, says, tmp_path):
    env = {**os.environ, name: value, "DVC_DATA_DIR": str(tmp_path / "var")}
    result = subprocess.run([DVC_BOT, "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"invalid settings: {name}: " in result.stderr and says in result.stderr
    assert "Traceback" not in result.stderr and "[dvc-bot] starting" not in result.stderr
    assert not (tmp_path / "var").exists()  # refused before anything was started or written


@pytest.mark.parametrize("value,expected", [("json", "json"), ("JSON", "json"), (" text ", "text")])
def test_good_log_formats_are_accepted(value, expected):
    assert Settings(log_format=value).log_format == expected


def test_good_values_are_accepted():
    settings = Settings(redis_key_prefix="dvcbot2", workers=4)
    assert settings.redis_key_prefix == "dvcbot2" and settings.workers == 4


def test_every_bad_value_is_named_at_once():
    with pytest.raises(ValidationError) as error:
        Settings(redis_key_prefix="a b", log_format="yaml", workers=0)
    message = explain(error.value)
    assert message.startswith("invalid settings: ")
    for name in ("REDIS_KEY_PREFIX", "LOG_FORMAT", "WORKERS"):
        assert name in message


def test_data_retention_days_defaults_to_90_and_refuses_zero(monkeypatch):
    from pydantic import ValidationError

    from common.settings import Settings

    assert Settings().data_retention_days == 90
    monkeypatch.setenv("DATA_RETENTION_DAYS", "30")
    assert Settings().data_retention_days == 30
    monkeypatch.setenv("DATA_RETENTION_DAYS", "0")
    with pytest.raises(ValidationError):
        Settings()
