"""Local stand-ins for the outside world, served over real HTTP on 127.0.0.1 only:

- `FakePlatform`: Zalo OA API (message/cs, message/promotion, token refresh), Graph API (me/messages) and a Rasa
  REST channel that answers predictably. It records every request it gets and can be told to
  fail (5xx, slow answers, token errors). With `store_url` set, "gặp cán bộ" records a real
  handoff request there, as the real action does (store.records, the action's own text).
- `ServerThread`: runs an ASGI app under uvicorn in a thread (the gateway in fast tests).
- signing helpers that build requests exactly as Zalo and Meta sign them.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Optional

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

GRAPH_VERSION = "v21.0"
# how the channels cite the source the fake Rasa attaches to its echo answers
CITATION = "\nNguồn: Cổng DVC (https://dichvucong.gov.vn/), kiểm tra ngày 01/07/2025."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition",
             explain: Optional[Callable[[], str]] = None) -> Any:
    """Poll until predicate() is truthy (background work); fail after a generous bound, saying
    what was seen instead (`explain`) when the caller can tell."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}" + (f"; seen: {explain()}" if explain else ""))


class ServerThread:
    def __init__(self, app: Any, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                     ws="wsproto", lifespan="on", access_log=False)
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        wait_for(lambda: self.server.started or not self.thread.is_alive(), 30, "server start")
        if not self.server.started:
            raise RuntimeError("server failed to start")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(30)


# -- signing, as the platforms do it ------------------------------------------------------
def zalo_mac(app_id: str, raw: bytes, timestamp: str, oa_secret_key: str) -> str:
    return "mac=" + hashlib.sha256(app_id.encode() + raw + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def facebook_sig(app_secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def zalo_text_event(user: str, text: str, msg_id: str, app_id: str = "app-1", oa: str = "oa-1",
                    timestamp: Optional[str] = None, event_name: str = "user_send_text") -> Dict[str, Any]:
    """A `user_send_text` webhook body in Zalo's shape (ids and timestamp are strings)."""
    return {
        "app_id": app_id,
        "user_id_by_app": f"app-{user}",
        "event_name": event_name,
        "sender": {"id": user},
        "recipient": {"id": oa},
        "message": {"text": text, "msg_id": msg_id},
        "timestamp": timestamp or str(int(time.time() * 1000)),
    }


def messenger_body(*items: Dict[str, Any], page: str = "page-1") -> Dict[str, Any]:
    return {"object": "page", "entry": [{"id": page, "time": int(time.time() * 1000), "messaging": list(items)}]}


def messenger_text(psid: str, text: str, mid: str, page: str = "page-1", **message: Any) -> Dict[str, Any]:
    return {"sender": {"id": psid}, "recipient": {"id": page}, "timestamp": int(time.time() * 1000),
            "message": {"mid": mid, "text": text, **message}}


# -- the fake platform --------------------------------------------------------------------
class FakePlatform:
    def __init__(self, access_token: str = "zalo-access-1", refresh_token: str = "zalo-refresh-1",
                 app_id: str = "app-1", app_secret: str = "zalo-app-secret", page_token: str = "page-token") -> None:
        self.lock = threading.Lock()
        self.requests: List[Dict[str, Any]] = []
        self.zalo_access = access_token
        self.zalo_refresh = refresh_token
        self.app_id = app_id
        self.app_secret = app_secret
        self.page_token = page_token
        self.rotations = 0
        self.fail_next: Dict[str, List[str]] = {"zalo": [], "graph": [], "rasa": []}  # "500" | "slow:<s>"
        self.rasa_delay_s = 0.0
        self.rasa_gate = threading.Event()
        self.rasa_gate.set()
        self.rasa_in_flight = self.rasa_max_in_flight = 0  # turns Rasa is working on at once
        self.store_url: Optional[str] = None  # where "gặp cán bộ" records a handoff request
        self.transcripts: Dict[str, List[Dict[str, Any]]] = {}  # sender -> what was said
        self.app = self._build()

    # what tests read
    def sent(self, kind: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["kind"] == kind and r.get("accepted")]

    def calls(self, kind: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["kind"] == kind]

    def _record(self, **entry: Any) -> Dict[str, Any]:
        with self.lock:
            self.requests.append(entry)
        return entry

    async def _failure(self, kind: str) -> Optional[JSONResponse]:
        with self.lock:
            mode = self.fail_next[kind].pop(0) if self.fail_next[kind] else None
        if mode is None:
            return None
        if mode.startswith("slow:"):  # answers too late for the client's timeout, then fails
            await asyncio.sleep(float(mode.split(":")[1]))
            return JSONResponse({"error": "too slow"}, status_code=504)
        return JSONResponse({"error": "unavailable"}, status_code=int(mode))

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v3.0/oa/message/cs")
        async def zalo_send(request: Request) -> JSONResponse:
            body = await request.json()
            entry = self._record(kind="zalo", headers=dict(request.headers), json=body, accepted=False)
            failure = await self._failure("zalo")
            if failure is not None:
                return failure
            if request.headers.get("access_token") != self.zalo_access:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            entry["accepted"] = True
            return JSONResponse({"error": 0, "message": "Success",
                                 "data": {"message_id": f"m{len(self.requests)}", "user_id": body["recipient"]["user_id"]}})

        @app.post("/v3.0/oa/message/promotion")
        async def zalo_promotion(request: Request) -> JSONResponse:
            body = await request.json()
            entry = self._record(kind="zalo_promotion", headers=dict(request.headers), json=body, accepted=False)
            if request.headers.get("access_token") != self.zalo_access:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            if (body.get("message", {}).get("attachment", {}).get("payload", {}).get("template_type")) != "promotion":
                return JSONResponse({"error": -201, "message": "template_type must be promotion"})
            entry["accepted"] = True
            return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": f"p{len(self.requests)}"}})

        @app.post("/v4/oa/access_token")
        async def zalo_refresh(request: Request) -> JSONResponse:
            form = {k: v[0] for k, v in urllib.parse.parse_qs((await request.body()).decode()).items()}
            self._record(kind="zalo_oauth", headers=dict(request.headers), form=form, accepted=True)
            ok = (request.headers.get("secret_key") == self.app_secret and form.get("app_id") == self.app_id
                  and form.get("grant_type") == "refresh_token" and form.get("refresh_token") == self.zalo_refresh)
            if not ok:  # the refresh token is single-use: a reused one is refused
                return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
            with self.lock:
                self.rotations += 1
                self.zalo_access = f"zalo-access-r{self.rotations + 1}"
                self.zalo_refresh = f"zalo-refresh-r{self.rotations + 1}"
            return JSONResponse({"access_token": self.zalo_access, "refresh_token": self.zalo_refresh, "expires_in": "90000"})

        @app.post(f"/{GRAPH_VERSION}/me/messages")
        async def graph_send(request: Request) -> JSONResponse:
            body = await request.json()
            entry = self._record(kind="graph", query=dict(request.query_params), json=body, accepted=False)
            failure = await self._failure("graph")
            if failure is not None:
                return failure
            if request.query_params.get("access_token") != self.page_token:
                return JSONResponse({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                               "code": 190, "fbtrace_id": "x"}}, status_code=400)
            entry["accepted"] = True
            return JSONResponse({"recipient_id": body["recipient"]["id"], "message_id": f"mid.{len(self.requests)}"})

        # a Rasa server stand-in (REST channel + status) for the fast tests
        @app.post("/webhooks/rest/webhook")
        async def rasa_turn(request: Request) -> JSONResponse:
            body = await request.json()
            self._record(kind="rasa", json=body, accepted=True)
            with self.lock:
                self.rasa_in_flight += 1
                self.rasa_max_in_flight = max(self.rasa_max_in_flight, self.rasa_in_flight)
            try:
                failure = await self._failure("rasa")
                if failure is not None:
                    return failure
                while not self.rasa_gate.is_set():
                    await asyncio.sleep(0.01)
                if self.rasa_delay_s:
                    await asyncio.sleep(self.rasa_delay_s)
                said = self.transcripts.setdefault(body["sender"], [])
                said.append({"from": "citizen", "text": body["message"], "at": time.time()})
                answer = rasa_answer(body["sender"], body["message"])
                if body["message"] in HANDOFF_WORDS and self.store_url:
                    answer = await asyncio.to_thread(self._handoff, body)
                said += [{"from": "bot", "text": m["text"], "at": time.time()} for m in answer if m.get("text")]
                return JSONResponse(answer)
            finally:
                with self.lock:
                    self.rasa_in_flight -= 1

        @app.get("/_recorded")
        async def recorded(kind: str = "", accepted: bool = False) -> List[Dict[str, Any]]:
            """What this fake received (for a benchmark running it in another process)."""
            return self.sent(kind) if accepted else self.calls(kind)

        @app.get("/status")
        async def rasa_status() -> Dict[str, Any]:
            return {"model_file": "fake.tar.gz"}

        @app.get("/health")
        async def actions_health() -> Dict[str, Any]:
            return {"status": "ok"}

        return app

    def _handoff(self, body: Dict[str, Any]) -> List[Dict[str, Any]]:
        """What action_handoff does: a request in the store, its text and outcome marker."""
        from actions.handoff import handoff_text
        from store.db import engine_for
        from store.records import add_handoff

        sender = body["sender"]
        request_id = add_handoff(sender, (body.get("metadata") or {}).get("channel", "unknown"), reason=body["message"],
                                 transcript=self.transcripts.get(sender, []), engine=engine_for(self.store_url))
        return [{"recipient_id": sender, "text": handoff_text(request_id)},
                {"recipient_id": sender, "custom": {"dvc": {"outcome": "handoff", "handoff_id": request_id}}}]


HANDOFF_WORDS = ("gặp cán bộ", "/ask_human")
MARKED: Dict[str, List[Dict[str, Any]]] = {
    "/marked_answer": [
        {"text": "📌 Cấp thẻ căn cước\n⏱ 7 ngày làm việc."},
        {"custom": {"dvc": {"sources": [{"title": "Cổng DVC", "url": "https://dichvucong.gov.vn/", "checked": "2025-07-01"}],
                            "procedure": "cap-the-can-cuoc", "outcome": "answered", "topic": "procedure", "answer_id": "cap-the-can-cuoc"}}},
        {"text": "Câu trả lời có giúp được bạn không?", "buttons": [{"title": "👍 Có ích", "payload": "/rate_good"}]},
    ],
    "/marked_security_answer": [  # an answer with no buttons after it (the campaign offer may follow)
        {"text": "Công an không gọi điện yêu cầu cài ứng dụng VNeID."},
        {"custom": {"dvc": {"sources": [{"title": "Bộ Công an", "url": "https://bocongan.gov.vn/", "checked": "2025-07-01"}],
                            "document": "gia-danh-cong-an-kich-hoat-vneid", "outcome": "answered", "topic": "security",
                            "answer_id": "gia-danh-cong-an-kich-hoat-vneid"}}},
    ],
    "/marked_no_answer": [
        {"text": "Xin lỗi, mình chưa có thông tin chắc chắn về câu hỏi này.", "buttons": [{"title": "Gặp cán bộ", "payload": "/ask_human"}]},
        {"custom": {"dvc": {"outcome": "fallback", "reason": "no_answer"}}},
    ],
    "/marked_handoff": [
        {"text": "Bạn có thể gọi 18001096. Mình đã ghi lại yêu cầu (mã YC-1)."},
        {"custom": {"dvc": {"outcome": "handoff", "handoff_id": 1}}},
    ],
    "/marked_rate_good": [
        {"custom": {"dvc": {"outcome": "feedback", "rating": "up", "topic": "procedure"}}},
        {"text": "Cảm ơn bạn đã đánh giá!"},
        {"custom": {"dvc": {"outcome": "feedback"}}},
    ],
    "/marked_rate_bad": [
        {"custom": {"dvc": {"outcome": "feedback", "rating": "down"}}},
        {"text": "Xin lỗi vì chưa giúp được. Bạn thấy câu trả lời còn thiếu hoặc sai ở đâu?"},
        {"custom": {"dvc": {"outcome": "feedback"}}},
    ],
}


def rasa_answer(sender: str, text: str) -> List[Dict[str, Any]]:
    """Predictable bot messages in Rasa's REST shape: a menu with buttons, a long answer, or an
    echo with a cited source."""
    if text.startswith("/ask_processing_time"):
        return [{"recipient_id": sender, "text": f"Đã chọn: {text}"}]
    if text in MARKED:  # outcome markers as the real actions and responses send them
        return [{"recipient_id": sender, **message} for message in MARKED[text]]
    if "menu" in text:
        return [{"recipient_id": sender, "text": "Bạn muốn hỏi thủ tục nào ạ?", "buttons": [
            {"title": "Căn cước", "payload": '/ask_processing_time{"procedure": "căn cước"}'},
            {"title": "Khai sinh", "payload": '/ask_processing_time{"procedure": "khai sinh"}'},
            {"title": "Hộ chiếu phổ thông cho người lớn", "payload": '/ask_processing_time{"procedure": "hộ chiếu"}'},
        ]}]
    if "dài" in text:
        paragraph = "Đây là một đoạn hướng dẫn dài về thủ tục hành chính. " * 12
        return [{"recipient_id": sender, "text": "\n\n".join([paragraph.strip()] * 6)}]
    return [
        {"recipient_id": sender, "text": f"Trả lời: {text}"},
        {"recipient_id": sender, "custom": {"dvc": {"sources": [
            {"title": "Cổng DVC", "url": "https://dichvucong.gov.vn/", "checked": "2025-07-01"}]}}},
    ]


def post_json(client: Any, url: str, body: Dict[str, Any], headers: Dict[str, str]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return client.post(url, content=raw, headers={"content-type": "application/json", **headers})


if __name__ == "__main__":  # python -m tests.fakes PORT RASA_DELAY_S: serve alone (benchmarks)
    import sys

    fake = FakePlatform()
    fake.rasa_delay_s = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    uvicorn.run(fake.app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, ws="wsproto")


def is_apology(message: Dict[str, Any]) -> bool:
    """A web reply (`POST /webhooks/web` message) is the gateway's apology for a failed turn
    (server.conversation.apology: its text, marked outcome "error")."""
    from server.conversation import apology

    marked = ((message.get("custom") or {}).get("dvc") or {}).get("outcome") == "error"
    return marked or message.get("text") == apology().text
