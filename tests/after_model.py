"""What needs only the trained model starts the moment training ends, in one background thread,
while the tests that need no model still run on the other core:

- the `dvc-bot serve` stack that several modules share (`SharedStack`): started, its first
  citizens sent the moment `/health` says 200 (the cold-start check, recorded for
  tests/server/test_serve.py), then left running until the session ends;
- the commands a test module lists in its `AFTER_MODEL` dict (name -> argv, optional stdin),
  whose results the tests read with `result(name)`.

Nothing here decides a test's outcome: the tests assert on what was recorded. Run alone (no
background training), a test starts the stack or runs its command itself, the same way."""
from __future__ import annotations

import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List, Optional

import httpx

from tests.fakes import GRAPH_VERSION, FakePlatform, ServerThread

# the first citizens of the shared stack, sent at once the moment /health first says 200
COLD_START_QUESTIONS = {"cold-1": "Làm thẻ căn cước mất bao lâu?", "cold-2": "đăng nhập dịch vụ công bằng VNeID thế nào",
                        "cold-3": "xin chào"}
RASA_TOKEN = "test-rasa-token-0123456789"


class SharedStack:
    """One `dvc-bot serve` (web, Zalo and Messenger on, the platforms faked on loopback, its own
    data folder) shared by the end-to-end modules. None of them stops it: the session's end does,
    with Ctrl-C, and checks that everything stopped (`ctrl_c_problems`)."""

    def __init__(self, bot_env: dict, folder: Path, free_port: Callable[[], int], served_cls) -> None:
        self.fake = FakePlatform()
        self._fake_server = ServerThread(self.fake.app).__enter__()
        self.fake.base = self._fake_server.base
        self.var = folder / "stack-var"
        self.var.mkdir(parents=True, exist_ok=True)
        self.env = dict(
            bot_env, PORT=str(free_port()), RASA_PORT=str(free_port()), ACTIONS_PORT=str(free_port()),
            RASA_TOKEN=RASA_TOKEN, DVC_DATA_DIR=str(self.var),
            ZALO_APP_ID="app-1", ZALO_OA_SECRET_KEY="oa-secret-key", ZALO_APP_SECRET="zalo-app-secret",
            ZALO_ACCESS_TOKEN="zalo-access-1", ZALO_REFRESH_TOKEN="zalo-refresh-1",
            ZALO_API_BASE=self.fake.base, ZALO_OAUTH_BASE=self.fake.base,
            FB_APP_SECRET="fb-app-secret", FB_VERIFY_TOKEN="verify-me", FB_PAGE_ACCESS_TOKEN="page-token",
            FB_GRAPH_API_BASE=f"{self.fake.base}/{GRAPH_VERSION}",
        )
        self.base = f"http://127.0.0.1:{self.env['PORT']}"
        self.served = served_cls(self.env, folder / "stack.log")
        self.health_seen: List[str] = []  # the /health statuses before the first 200
        self.first_turns: Dict[str, list] = {}  # sender -> messages of the cold-start turns
        self.stopped: Optional[int] = None

    def start(self, timeout_s: float = 600) -> None:
        """Until /health says 200; then the first citizens at once; then the supervisor's "ready"."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.served.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dvc-bot serve did not become healthy:\n" + self.served.output()[-4000:])
            try:
                health = httpx.get(f"{self.base}/health", timeout=5)
            except httpx.HTTPError:
                health = None
            if health is not None and health.status_code == 200:
                break
            if health is not None:
                self.health_seen.append(health.json().get("status", ""))
            time.sleep(0.2)

        def turn(item):
            sender, message = item
            response = httpx.post(f"{self.base}/webhooks/web", json={"sender": sender, "message": message}, timeout=120)
            return sender, (response.json()["messages"] if response.status_code == 200 else [{"status": response.status_code}])

        with ThreadPoolExecutor(len(COLD_START_QUESTIONS)) as pool:
            self.first_turns = dict(pool.map(turn, COLD_START_QUESTIONS.items()))
        self.served.wait_ready(60)

    def stop(self) -> Optional[int]:
        """Ctrl-C, as an operator would (once): the supervisor's exit code."""
        if self.stopped is None:
            self.stopped = self.served.stop()
            self._fake_server.__exit__(None, None, None)
        return self.stopped

    def ctrl_c_problems(self) -> List[str]:
        """What Ctrl-C left undone: a non-zero exit, no "stopped" line, a port still open."""
        problems = [] if self.stop() == 0 else [f"exit code {self.stopped}"]
        if "[dvc-bot] stopped" not in self.served.output():
            problems.append("no '[dvc-bot] stopped' line")
        for key in ("PORT", "RASA_PORT", "ACTIONS_PORT"):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", int(self.env[key]))) == 0:
                    problems.append(f"{key} {self.env[key]} still open")
        return problems


class AfterModel:
    """The background thread and what it produced."""

    def __init__(self) -> None:
        self.jobs: Dict[str, dict] = {}  # name -> {"argv": [...], "input": str | None}
        self.results: Dict[str, subprocess.CompletedProcess] = {}
        self.stack: Optional[SharedStack] = None
        self.stack_error: Optional[str] = None
        self.want_stack = False
        self.stack_ready = threading.Event()  # the stack has started (or failed to): no need to wait for the jobs
        self.done = threading.Event()  # everything has run (or training failed)
        self.started = False

    def launch(self, wait_training: Callable[[], tuple], make_stack: Callable[[], SharedStack], env: dict, cwd: Path,
               model_dir: Path) -> None:
        if not (self.jobs or self.want_stack):
            return
        self.started = True

        def run() -> None:
            try:
                returncode, _ = wait_training()
                if returncode != 0:
                    return  # the tests that need the model fail on the training's own output
                if self.want_stack:
                    try:
                        self.stack = make_stack()
                        self.stack.start()
                    except Exception as exc:  # noqa: BLE001 -- reported by the tests that use it
                        self.stack_error = f"{type(exc).__name__}: {exc}"
                self.stack_ready.set()
                for name, job in self.jobs.items():
                    self.results[name] = run_job(job, env, cwd, model_dir)
            finally:
                self.stack_ready.set()
                self.done.set()

        threading.Thread(target=run, name="after-model", daemon=True).start()

    def result(self, name: str, env: dict, cwd: Path, model_dir: Path, timeout_s: float = 1200) -> subprocess.CompletedProcess:
        if self.started:
            self.done.wait(timeout_s)
        if name not in self.results:  # run alone, or the background never got to it
            self.results[name] = run_job(self.jobs[name], env, cwd, model_dir)
        return self.results[name]


def run_job(job: dict, env: dict, cwd: Path, model_dir: Path) -> subprocess.CompletedProcess:
    models = sorted(model_dir.glob("dvc-bot-*.tar.gz"))
    argv = [a.replace("{model}", str(models[-1]) if models else "") for a in job["argv"]]
    return subprocess.run(argv, env=env, cwd=cwd, input=job.get("input"), capture_output=True, text=True, timeout=900)

