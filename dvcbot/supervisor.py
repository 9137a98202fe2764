"""`dvc-bot serve`: run the action server, Rasa and the gateway as supervised child processes.

- refuses to start, with a clear message, when a port is taken;
- trains the model first if it is missing or stale;
- restarts a child that dies (at most MAX_RESTARTS in RESTART_WINDOW_S, else stops everything);
- Ctrl-C / SIGTERM stops the children in order (gateway, Rasa, actions) and exits 0;
- applies the retention limit (DATA_RETENTION_DAYS, dvcbot/privacy.py) at start and every 24 h.
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

from common.settings import Settings, get_settings

MAX_RESTARTS = 5
RESTART_WINDOW_S = 300
STOP_TIMEOUT_S = 15


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


def free_port_block(count: int, host: str = "127.0.0.1") -> int:
    """The first of `count` consecutive free ports (for WORKERS=count on ports chosen at run
    time: tests and benchmarks)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind((host, 0))
            first = sock.getsockname()[1]
        if first + count < 65535 and not any(port_in_use(host, p) for p in range(first, first + count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports on {host}")


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


def worker_ports(settings: Settings, worker: int) -> Dict[str, int]:
    """Worker i listens on the configured ports + i (gateway, Rasa, action server)."""
    return {"gateway": settings.port + worker, "rasa": settings.rasa_port + worker, "actions": settings.actions_port + worker}


def build_children(settings: Settings, model: str, token: str) -> List[Child]:
    """Per worker: an action server, a Rasa server and a gateway talking to that Rasa. Workers
    share the database (tracker store, feedback) and, when there are several, Redis (Rasa's lock
    store, the gateways' de-duplication)."""
    py = sys.executable
    base = dict(os.environ)
    base.update(
        RASA_TOKEN=token,
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST=settings.host,
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    if settings.workers > 1:
        # N workers share the cores: one thread each for TensorFlow (Rasa) and torch/FAISS
        # (actions). Measured on 2 cores, 2 workers: 25 turns/s at p95 79 ms with one thread,
        # p95 1028 ms with the libraries' defaults (each process as many threads as cores).
        # One worker keeps the defaults (its p95 at 20 turns/s: 103 ms, 125 ms with one thread).
        for name in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS"):
            base.setdefault(name, "1")
    root = settings.project_root
    children: List[Child] = []
    for worker in range(max(1, settings.workers)):
        ports = worker_ports(settings, worker)
        env = dict(
            base,
            WORKER_ID=str(worker),
            ACTION_ENDPOINT_URL=f"http://{settings.host}:{ports['actions']}/webhook",
            RASA_URL=f"http://{settings.host}:{ports['rasa']}",
        )
        suffix = f"-{worker}" if settings.workers > 1 else ""
        children += [
            Child(f"actions{suffix}", [py, "-m", "dvcbot.action_server", "--actions", "actions", "--port", str(ports["actions"])], env),
            Child(
                f"rasa{suffix}",
                [
                    py, "-m", "dvcbot.rasa_server", "run", "--enable-api", "--auth-token", token,
                    "--model", model,
                    "--endpoints", str(root / "bot" / "endpoints.yml"),
                    "--credentials", str(root / "bot" / "credentials.yml"),
                    "--interface", settings.host, "--port", str(ports["rasa"]),
                ],
                env,
            ),
            Child(
                f"gateway{suffix}",
                [
                    py, "-m", "uvicorn", "server.main:app", "--ws", "wsproto",
                    "--host", settings.host, "--port", str(ports["gateway"]),
                    "--no-access-log",  # access lines carry client addresses and query strings
                    "--timeout-graceful-shutdown", "5",  # widget long-polls must not hold up a stop
                ],
                env,
            ),
        ]
    return children


def _announce_when_ready(settings: Settings, stop: threading.Event) -> None:
    """"ready" once every gateway's /health says 200: each gateway warms its Rasa and action
    server up first (server/warmup.py), so the first citizens get answers, not the apology."""
    bases = [f"http://{settings.host}:{worker_ports(settings, w)['gateway']}" for w in range(max(1, settings.workers))]
    waiting = list(bases)
    while waiting and not stop.is_set():
        for base in list(waiting):
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    waiting.remove(base)
            except httpx.HTTPError:
                pass
        if waiting:
            stop.wait(1.0)
    if not waiting:
        base = bases[0]
        more = f"; {len(bases)} workers: gateways on ports {settings.port}-{settings.port + len(bases) - 1}" if len(bases) > 1 else ""
        say(f"ready: {base}  (widget {base}/widget, POST /webhooks/web, GET /health, docs at {base}/docs{more})")


def _purge_daily(settings: Settings, stop: threading.Event, every_s: float) -> None:
    """The retention purge now and then every `every_s` seconds until the supervisor stops; a
    failure is reported and retried at the next round (it never stops the service)."""
    from dvcbot.privacy import purge_all

    while not stop.is_set():
        try:
            done = purge_all(settings)
            if any(done.values()):
                say(f"retention ({settings.data_retention_days} days): " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in done.items() if v))
        except Exception as exc:  # noqa: BLE001 - any driver error: say it, try again tomorrow
            say(f"retention purge failed ({type(exc).__name__}: {exc}); next try in {every_s / 3600:.0f} h")
        stop.wait(every_s)


def serve(settings: Optional[Settings] = None) -> int:
    settings = settings or get_settings()
    if settings.workers > 1 and not settings.redis_url:
        say(
            f"cannot start {settings.workers} workers without Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0) "
            "so that one conversation is never processed by two workers at once"
        )
        return 1
    ports = {f"{name} port {port}": port for w in range(max(1, settings.workers)) for name, port in worker_ports(settings, w).items()}
    if len(set(ports.values())) != len(ports):
        say(f"cannot start: ports must differ ({', '.join(ports)}); worker i uses PORT+i, RASA_PORT+i, ACTIONS_PORT+i")
        return 1
    taken = [label for label, port in ports.items() if port_in_use(settings.host, port)]
    if taken:
        say(
            f"cannot start: {', '.join(taken)} already in use on {settings.host}. Stop the program "
            "using it, or choose other ports with PORT, RASA_PORT, ACTIONS_PORT."
        )
        return 1
    from store.db import migrate, safe_url

    try:  # our tables and their migrations, once, before the workers start
        version = migrate(settings.db_url)
    except Exception as exc:  # noqa: BLE001 - any driver error: say what and where
        say(f"cannot start: the database {safe_url(settings.db_url)} is not usable ({type(exc).__name__}: {exc})")
        return 1
    say(f"database {safe_url(settings.db_url)} at schema version {version}")

    # train and index in child processes: the supervisor itself stays small (no TensorFlow in it)
    for step in ("train", "index"):
        if subprocess.run([sys.executable, "-m", "dvcbot.cli", step], cwd=settings.project_root).returncode != 0:
            say(f"cannot start: `dvc-bot {step}` failed (see above)")
            return 1
    from dvcbot.training import model_path

    model = str(model_path(settings))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = settings.rasa_token or secrets.token_hex(24)  # hex: never starts with "-", which argparse would read as an option
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
    from dvcbot.privacy import PURGE_EVERY_S

    threading.Thread(target=_purge_daily, args=(settings, stopping, PURGE_EVERY_S), daemon=True, name="retention").start()

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
