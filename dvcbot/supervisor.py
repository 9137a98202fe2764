"""`dvc-bot serve`: run the action server, Rasa and the gateway as supervised child processes.

- refuses to start, with a clear message, when a port is taken;
- trains the model first if it is missing or stale;
- restarts a child that dies (at most MAX_RESTARTS in RESTART_WINDOW_S, else stops everything);
- Ctrl-C / SIGTERM stops the children in order (gateway, Rasa, actions) and exits 0.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import httpx

from dvcbot.settings import Settings, get_settings

MAX_RESTARTS = 5
RESTART_WINDOW_S = 300
STOP_TIMEOUT_S = 15
# first turns compile TensorFlow graphs and load the retriever: pay that before citizens arrive
WARM_UP = ("xin chào", "đăng nhập dịch vụ công bằng VNeID thế nào")


def say(message: str) -> None:
    print(f"[dvc-bot] {message}", file=sys.stderr, flush=True)


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


@dataclass
class Child:
    name: str
    argv: List[str]
    env: Dict[str, str]
    proc: Optional[subprocess.Popen] = None
    restarts: List[float] = field(default_factory=list)

    def start(self, cwd: str) -> None:
        # own session: the terminal's Ctrl-C reaches only the supervisor, which stops us in order
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=cwd, start_new_session=True)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop in {STOP_TIMEOUT_S} s; killing it")
            self.proc.kill()
            self.proc.wait()


def build_children(settings: Settings, model: str, token: str) -> List[Child]:
    py = sys.executable
    env = dict(os.environ)
    env.update(
        ACTION_ENDPOINT_URL=settings.actions_url,
        DVC_TRACKER_DB=str(settings.data_dir / "tracker.db"),
        RASA_TOKEN=token,
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST=settings.host,
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    root = settings.project_root
    return [
        Child("actions", [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port)], env),
        Child(
            "rasa",
            [
                py, "-m", "dvcbot.rasa_server", "run", "--enable-api", "--auth-token", token,
                "--model", model,
                "--endpoints", str(root / "bot" / "endpoints.yml"),
                "--credentials", str(root / "bot" / "credentials.yml"),
                "--interface", settings.host, "--port", str(settings.rasa_port),
            ],
            env,
        ),
        Child(
            "gateway",
            [
                py, "-m", "uvicorn", "server.main:app", "--ws", "wsproto",
                "--host", settings.host, "--port", str(settings.port),
                "--no-access-log",  # access lines carry client addresses and query strings
                "--timeout-graceful-shutdown", "5",  # widget long-polls must not hold up a stop
            ],
            env,
        ),
    ]


def _announce_when_ready(settings: Settings, stop: threading.Event) -> None:
    base = f"http://{settings.host}:{settings.port}"
    while not stop.is_set():
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                for message in WARM_UP:
                    httpx.post(f"{base}/webhooks/web", json={"sender": "__warmup__", "message": message}, timeout=60)
                say(f"ready: {base}  (widget {base}/widget, POST /webhooks/web, GET /health, docs at {base}/docs)")
                return
        except httpx.HTTPError:
            pass
        stop.wait(1.0)


def serve(settings: Optional[Settings] = None) -> int:
    settings = settings or get_settings()
    ports = {"gateway": settings.port, "rasa": settings.rasa_port, "actions": settings.actions_port}
    taken = [f"{name} port {port}" for name, port in ports.items() if port_in_use(settings.host, port)]
    if taken:
        say(
            f"cannot start: {', '.join(taken)} already in use on {settings.host}. Stop the program "
            "using it, or choose other ports with PORT, RASA_PORT, ACTIONS_PORT."
        )
        return 1
    if len(set(ports.values())) != len(ports):
        say(f"cannot start: ports must differ ({ports})")
        return 1

    # train and index in child processes: the supervisor itself stays small (no TensorFlow in it)
    for step in ("train", "index"):
        if subprocess.run([sys.executable, "-m", "dvcbot.cli", step], cwd=settings.project_root).returncode != 0:
            say(f"cannot start: `dvc-bot {step}` failed (see above)")
            return 1
    from dvcbot.training import model_path

    model = str(model_path(settings))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = settings.rasa_token or secrets.token_urlsafe(24)
    children = build_children(settings, model, token)

    stopping = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    for child in children:
        say(f"starting {child.name}")
        child.start(str(settings.project_root))
    threading.Thread(target=_announce_when_ready, args=(settings, stopping), daemon=True).start()

    exit_code = 0
    try:
        while not stopping.wait(0.5):
            for child in children:
                code = child.proc.poll()
                if code is None:
                    continue
                now = time.monotonic()
                child.restarts = [t for t in child.restarts if now - t < RESTART_WINDOW_S] + [now]
                if len(child.restarts) > MAX_RESTARTS:
                    say(f"{child.name} keeps failing (exit code {code}); stopping everything")
                    exit_code = 1
                    stopping.set()
                    break
                say(f"{child.name} exited with code {code}; restarting ({len(child.restarts)}/{MAX_RESTARTS})")
                time.sleep(min(2 ** len(child.restarts), 10))
                child.start(str(settings.project_root))
    finally:
        say("stopping...")
        for child in reversed(children):
            child.stop()
        say("stopped")
    return exit_code
