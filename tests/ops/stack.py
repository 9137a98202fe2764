"""Helpers for tests that run the real processes: a TCP proxy that can cut a connection to a
server (the database "goes down"), and one worker's children started one by one."""
from __future__ import annotations

import socket
import subprocess
import threading
import time
from typing import Dict, List

import httpx

from common.settings import Settings
from dvcbot.supervisor import Child, build_children
from tests.conftest import DVC_BOT, ROOT, free_port


class Proxy:
    """127.0.0.1:port → target. `cut()` refuses new connections and breaks open ones, as a
    database server that went down; `restore()` brings it back on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.conns: List[socket.socket] = []
        self.lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.listener.close()
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns.clear()


class Worker:
    """One worker (actions, Rasa, gateway) as `dvc-bot serve` starts it, each child startable
    and stoppable on its own."""

    def __init__(self, env: Dict[str, str], model: str) -> None:
        self.env = env
        subprocess.run([DVC_BOT, "index"], env=env, cwd=ROOT, check=True, capture_output=True)
        settings = Settings(port=free_port(), rasa_port=free_port(), actions_port=free_port())
        self.base = f"http://127.0.0.1:{settings.port}"
        self.children: Dict[str, Child] = {}
        for child in build_children(settings, model, token="test-token"):
            child.env = dict(child.env, **env)
            self.children[child.name] = child

    def start(self, name: str) -> None:
        child = self.children[name]
        child.proc = subprocess.Popen(child.argv, env=child.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self, name: str) -> None:
        self.children[name].stop()

    def restore(self) -> None:
        """Every child running again and the worker ready (after a test that stopped, hung or
        killed one, whether or not it got as far as restarting it)."""
        import signal

        for child in self.children.values():
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGCONT)  # in case a test left it hung
            else:
                self.start(child.name)
        self.wait_ready()

    def stop_all(self) -> None:
        for name in ("gateway", "rasa", "actions"):
            self.stop(name)

    def wait_ready(self, timeout_s: float = 300) -> None:
        """Until /health says ready: the gateway has warmed Rasa and the actions up (its own
        turns came back within RASA_TIMEOUT_S, server/warmup.py)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"worker not ready in {timeout_s} s")

    def say(self, sender: str, message: str, timeout_s: float = 30) -> httpx.Response:
        return httpx.post(f"{self.base}/webhooks/web", json={"sender": sender, "message": message}, timeout=timeout_s)
