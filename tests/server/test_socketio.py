"""The website's socket.io endpoint speaks the protocol of Rasa's socketio channel. Checked with
raw Engine.IO v4 / Socket.IO v5 frames (what rasa-webchat's socket.io-client v3 sends) over a
real websocket and over long-polling; the browser test drives the widget itself. /widget serves
rasa-webchat locally."""
import asyncio
import json
import re

import httpx
import websockets

from tests.fakes import CITATION


class RawSocket:
    """A minimal Socket.IO client over a websocket: 0 open, 40 connect, 42 event, 2/3 ping."""

    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def open(cls, base, origin=None):
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        ws = await websockets.connect(url, origin=origin)
        sock = cls(ws)
        assert (await sock.frame()).startswith("0{")
        await ws.send("40")
        assert (await sock.frame()).startswith("40")
        return sock

    async def frame(self):
        while True:
            data = await asyncio.wait_for(self.ws.recv(), 10)
            if data == "2":
                await self.ws.send("3")
                continue
            return data

    async def emit(self, event, data):
        await self.ws.send("42" + json.dumps([event, data], ensure_ascii=False))

    async def event(self):
        frame = await self.frame()
        assert frame.startswith("42"), frame
        return json.loads(frame[2:])

    async def close(self):
        await self.ws.close()


async def converse(base, messages, session_id=None):
    """[(text, number of bot_uttered expected)] -> (session id, answers)."""
    sock = await RawSocket.open(base)
    try:
        await sock.emit("session_request", {"session_id": session_id})
        name, session = await sock.event()
        assert name == "session_confirm"
        answers = []
        for text, expected in messages:
            await sock.emit("user_uttered", {"message": text, "session_id": session, "customData": {"language": "vi"}})
            answers.append([await sock.event() for _ in range(expected)])
        return session, answers
    finally:
        await sock.close()


def test_session_and_turns(platform, gateway):
    session, answers = asyncio.run(converse(gateway.base, [("xin chào", 1), ("menu", 1)]))
    assert re.fullmatch(r"[0-9a-f]{32}", session)
    assert answers[0] == [["bot_uttered", {"text": "Trả lời: xin chào" + CITATION.replace("\n", "  \n")}]]
    name, menu = answers[1][0]
    assert name == "bot_uttered" and menu["text"] == "Bạn muốn hỏi thủ tục nào ạ?"
    assert menu["quick_replies"][0] == {"content_type": "text", "title": "Căn cước",
                                        "payload": '/ask_processing_time{"procedure": "căn cước"}'}
    assert [c["json"]["sender"] for c in platform.calls("rasa")] == [f"web:{session}"] * 2


def test_a_given_session_id_is_kept_and_text_normalised(platform, gateway):
    session, answers = asyncio.run(converse(gateway.base, [("Ho\u0300a", 1)], session_id="abc123"))
    assert session == "abc123"
    assert answers == [[["bot_uttered", {"text": "Trả lời: Hòa" + CITATION.replace("\n", "  \n")}]]]
    assert platform.calls("rasa")[0]["json"] == {"sender": "web:abc123", "message": "Hòa", "metadata": {"channel": "socketio"}}


def test_bad_messages_get_a_clear_reply(platform, gateway):
    async def run():
        sock = await RawSocket.open(gateway.base)
        await sock.emit("session_request", None)
        await sock.event()
        await sock.emit("user_uttered", {"message": 42})
        first = await sock.event()
        await sock.emit("user_uttered", {"message": "x" * 3000})
        second = await sock.event()
        await sock.emit("user_uttered", "not an object")
        third = await sock.event()
        await sock.close()
        return first, second, third

    first, second, third = asyncio.run(run())
    assert "không đọc được" in first[1]["text"] and "không đọc được" in third[1]["text"]
    assert "dài quá" in second[1]["text"]
    assert platform.calls("rasa") == []


def test_long_polling_transport_handshake(gateway, client):
    response = client.get(f"{gateway.base}/socket.io/", params={"EIO": "4", "transport": "polling"})
    assert response.status_code == 200 and response.text.startswith("0{")
    assert json.loads(response.text[1:])["sid"]


def test_foreign_origins_are_refused_unless_configured(platform, start_gateway):
    gateway = start_gateway()
    params = {"EIO": "4", "transport": "polling"}
    assert httpx.get(f"{gateway.base}/socket.io/", params=params, headers={"Origin": "https://evil.example"}).status_code == 400
    assert httpx.get(f"{gateway.base}/socket.io/", params=params, headers={"Origin": gateway.base}).status_code == 200
    other = start_gateway(widget_origins="https://dichvucong.example.gov.vn", data_dir=gateway.settings.data_dir.parent / "v2")
    allowed = httpx.get(f"{other.base}/socket.io/", params=params, headers={"Origin": "https://dichvucong.example.gov.vn"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://dichvucong.example.gov.vn"


def test_widget_page_uses_only_local_assets(gateway, client):
    page = client.get(f"{gateway.base}/widget")
    assert page.status_code == 200 and 'lang="vi"' in page.text and "Trợ lý dịch vụ công" in page.text
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["/widget/webchat.js"]
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN
    bundle = client.get(f"{gateway.base}/widget/webchat.js")
    assert bundle.status_code == 200, "web packages missing: run scripts/setup.sh"
    assert bundle.headers["content-type"].startswith("application/javascript")
    assert "session_request" in bundle.text and "bot_uttered" in bundle.text
