"""`dvc-bot db upgrade` and `dvc-bot db flush` as an operator runs them (a subprocess, the
environment's DATABASE_URL and DVC_DATA_DIR)."""
from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from store.db import configure_engine, engine_for
from store.migrations import MIGRATIONS
from store.records import add_feedback
from store.spool import Spool
from tests.conftest import DVC_BOT, ROOT

LATEST = MIGRATIONS[-1][0]


def db_cli(command, url, data_dir):
    env = {**__import__("os").environ, "DATABASE_URL": url, "DVC_DATA_DIR": str(data_dir)}
    return subprocess.run([DVC_BOT, "db", command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def tables(url):
    return set(sa.inspect(sa.create_engine(url)).get_table_names())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_upgrade_brings_an_empty_database_to_the_latest_schema_once(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'new.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_pg_url")
    first = db_cli("upgrade", url, tmp_path / "var")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(f"schema version {LATEST}")
    assert {"feedback", "handoffs", "dvc_schema_version"} <= tables(url)
    again = db_cli("upgrade", url, tmp_path / "var")  # nothing left to do: same version, no error
    assert again.returncode == 0 and again.stdout == first.stdout


def test_db_flush_writes_the_spooled_feedback_once(tmp_path):
    data_dir = tmp_path / "var"
    spool = Spool(data_dir / "spool" / "store.jsonl")  # where the services spool (store.records.default_spool)
    dead = configure_engine("postgresql://postgres@127.0.0.1:1/nothing")
    assert add_feedback("zalo:1", "zalo", "down", comment="thiếu địa chỉ", engine=dead, spool=spool) == 0
    assert spool.pending()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = db_cli("flush", url, data_dir)
    assert result.returncode == 0, result.stderr
    assert "1 spooled record(s) written" in result.stdout
    assert not spool.pending()
    with engine_for(url).connect() as conn:
        assert conn.execute(sa.text("SELECT conversation_id, rating, comment FROM feedback")).all() == [("zalo:1", "down", "thiếu địa chỉ")]
    again = db_cli("flush", url, data_dir)
    assert again.returncode == 0 and "0 spooled record(s) written" in again.stdout


def test_db_commands_say_when_the_database_is_not_usable(tmp_path):
    result = db_cli("upgrade", "postgresql://postgres:secret@127.0.0.1:1/nothing", tmp_path / "var")
    assert result.returncode == 1
    assert "is not usable" in result.stderr and "secret" not in result.stderr  # the password is never printed
