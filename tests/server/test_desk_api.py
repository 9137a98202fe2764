"""The staff JSON API through the real gateway: tokens, unknown ids, bad text, the request's
states, 👎 ratings and comments as items, and the OpenAPI description."""
import pytest

from store.records import add_feedback
from store.db import engine_for
from tests.fakes import wait_for
from tests.server.desk_helpers import AUTH, TOKEN, hands_over, request_of, settled, shared_db, staff, zalo_says, zalo_texts


@pytest.fixture
def desk_gateway(start_gateway, platform):
    gateway = start_gateway(staff_token=TOKEN, office_hours="always")
    platform.store_url = gateway.settings.db_url
    return gateway


ENDPOINTS = [("get", "/staff/api/handoffs"), ("get", "/staff/api/handoffs/1"), ("post", "/staff/api/handoffs/1/reply"),
             ("post", "/staff/api/handoffs/1/release"), ("post", "/staff/api/handoffs/1/close"), ("get", "/staff/api/feedback"),
             ("post", "/staff/api/feedback/1/reply"), ("post", "/staff/api/feedback/1/handled")]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_every_endpoint_needs_the_bearer_token(desk_gateway, client, method, path):
    url = desk_gateway.base + path
    missing = client.request(method, url, json={"text": "x"})
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    for header in ("Bearer " + TOKEN[:-1], "Basic " + TOKEN, "Bearer " + TOKEN + "x"):
        assert client.request(method, url, json={"text": "x"}, headers={"Authorization": header}).status_code in (401, 403)
    assert client.request(method, url, json={"text": "x"}, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.request(method, url, json={"text": "x"}, headers=AUTH).status_code in (200, 404)


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_the_api_is_off_without_a_staff_token(start_gateway, client, method, path):
    gateway = start_gateway(staff_token="")
    assert client.request(method, gateway.base + path, json={"text": "x"}, headers=AUTH).status_code == 404


@pytest.mark.parametrize("ident", ["999", "0", "abc", "-1", "1.5", "99999999999999999999", "%20"])
def test_an_unknown_id_is_404(desk_gateway, client, ident):
    for action in ("reply", "release", "close"):
        response = client.post(f"{desk_gateway.base}/staff/api/handoffs/{ident}/{action}", json={"text": "x"}, headers=AUTH)
        assert response.status_code == 404, (action, response.text)
    assert client.get(f"{desk_gateway.base}/staff/api/handoffs/{ident}", headers=AUTH).status_code == 404
    assert client.post(f"{desk_gateway.base}/staff/api/feedback/{ident}/reply", json={"text": "x"}, headers=AUTH).status_code == 404
    assert client.post(f"{desk_gateway.base}/staff/api/feedback/{ident}/handled", headers=AUTH).status_code == 404


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   \n "}, {"text": "x" * 2001}, {"text": "😀" * 1001}, {}, {"text": None},
                                  {"text": ["a"]}, "not json"])
def test_empty_or_oversized_text_is_422(platform, desk_gateway, client, body):
    request = hands_over(client, desk_gateway, "8601")
    url = f"{desk_gateway.base}/staff/api/handoffs/{request['id']}/reply"
    response = (client.post(url, content=body, headers={**AUTH, "content-type": "application/json"}) if isinstance(body, str)
                else client.post(url, json=body, headers=AUTH))
    assert response.status_code == 422, response.text
    assert request_of(client, desk_gateway, request["id"])["owner"] == "waiting"  # nothing recorded
    ok = staff(client, desk_gateway, request["id"], "reply", "x" * 2000)
    assert ok.status_code == 200


def test_the_requests_states(platform, desk_gateway, client):
    request = hands_over(client, desk_gateway, "8602")
    assert staff(client, desk_gateway, request["id"], "release").json()["status"] == "released"
    again = staff(client, desk_gateway, request["id"], "release")
    assert again.status_code == 409 and "trả lại cho trợ lý ảo" in again.json()["reason"]
    # a reply re-opens a released request: the conversation is the staff's again
    assert staff(client, desk_gateway, request["id"], "reply", "Mình bổ sung thêm").status_code == 200
    assert request_of(client, desk_gateway, request["id"])["status"] == "open"
    assert request_of(client, desk_gateway, request["id"])["owner"] == "staff"
    assert staff(client, desk_gateway, request["id"], "close").json()["status"] == "closed"
    for action in ("close", "release", "reply"):
        response = staff(client, desk_gateway, request["id"], action, "x")
        assert response.status_code == 409 and "đã đóng" in response.json()["reason"], action


def test_the_queue_is_ordered_by_waiting_time(platform, desk_gateway, client):
    first = hands_over(client, desk_gateway, "8603")
    second = hands_over(client, desk_gateway, "8604")
    shared_db(desk_gateway).execute("UPDATE conversation_owner SET waiting_since = waiting_since - 3600 WHERE handoff_id = ?",
                                    (second["id"],))
    listed = client.get(f"{desk_gateway.base}/staff/api/handoffs", params={"status": "open"}, headers=AUTH).json()
    assert [r["id"] for r in listed] == [second["id"], first["id"]]
    assert listed[0]["waiting_s"] >= 3600 > listed[1]["waiting_s"]
    staff(client, desk_gateway, second["id"], "reply", "Chào bạn")  # answered: nothing waits any more
    listed = client.get(f"{desk_gateway.base}/staff/api/handoffs", headers=AUTH).json()
    assert [r["id"] for r in listed] == [first["id"], second["id"]] and listed[1]["waiting_s"] == 0
    assert client.get(f"{desk_gateway.base}/staff/api/handoffs", params={"status": "bogus"}, headers=AUTH).status_code == 422


def test_a_thumbs_down_is_an_item_to_reply_to_or_mark_handled(platform, desk_gateway, client):
    zalo_says(client, desk_gateway, "8605192734", "Làm căn cước mất bao lâu?")
    wait_for(lambda: zalo_texts(platform, "8605192734"))
    settled(desk_gateway)
    engine = engine_for(desk_gateway.settings.db_url)
    down = add_feedback("zalo:8605192734", "zalo", rating="down", comment="Thiếu lệ phí, gọi 0912345678", engine=engine)
    comment = add_feedback("zalo:8605192734", "zalo", comment="Trang dịch vụ công hay bị lỗi", engine=engine)
    add_feedback("zalo:8605192734", "zalo", rating="up", engine=engine)  # 👍: nothing to handle
    items = client.get(f"{desk_gateway.base}/staff/api/feedback", headers=AUTH).json()
    assert [(i["id"], i["rating"]) for i in items] == [(down, "down"), (comment, None)]
    # the sender id never shows (ten digits: a hashed conversation id cannot hold it by chance, as "8605" once did)
    assert items[0]["comment"] == "Thiếu lệ phí, gọi [số điện thoại]" and "8605192734" not in str(items)

    answer = "Cảm ơn bạn, lệ phí cấp đổi căn cước là 30.000 đồng."
    response = client.post(f"{desk_gateway.base}/staff/api/feedback/{down}/reply", json={"text": answer}, headers=AUTH)
    assert response.status_code == 200
    wait_for(lambda: answer in zalo_texts(platform, "8605192734"), what="the reply at Zalo")
    assert client.post(f"{desk_gateway.base}/staff/api/feedback/{comment}/handled", headers=AUTH).status_code == 200
    assert client.get(f"{desk_gateway.base}/staff/api/feedback", headers=AUTH).json() == []
    handled = client.get(f"{desk_gateway.base}/staff/api/feedback", params={"handled": True}, headers=AUTH).json()
    assert {i["id"]: i["handled_by"] for i in handled} == {down: "api", comment: "api"}
    actions = shared_db(desk_gateway).execute("SELECT action, target FROM staff_audit ORDER BY id").fetchall()
    assert actions == [("reply", f"feedback:{down}"), ("feedback_handled", f"feedback:{comment}")]


def test_the_api_is_described_in_openapi(desk_gateway, client):
    spec = client.get(f"{desk_gateway.base}/openapi.json").json()
    listing = spec["paths"]["/staff/api/handoffs"]["get"]
    assert listing["tags"] == ["staff"] and "status" in {p["name"] for p in listing["parameters"]}
    reply = spec["paths"]["/staff/api/handoffs/{handoff_id}/reply"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(reply["responses"])
    handoff = spec["components"]["schemas"]["Handoff"]["properties"]
    assert {"id", "channel", "conversation", "status", "waiting_s", "messages"} <= set(handoff)
    assert set(spec["components"]["schemas"]["Message"]["properties"]) >= {"from", "text", "at"}


def test_with_the_database_down_staff_get_503_and_citizens_the_bot(platform, start_gateway, client):
    from tests.fakes import CITATION

    gateway = start_gateway(staff_token=TOKEN, office_hours="always", database_url="postgresql://dvc@127.0.0.1:9/khong-co")
    assert client.get(f"{gateway.base}/staff/api/handoffs", headers=AUTH).status_code == 503
    assert staff(client, gateway, 1, "reply", "Chào bạn").status_code == 503
    zalo_says(client, gateway, "8606", "xin chào")
    wait_for(lambda: "Trả lời: xin chào" + CITATION in zalo_texts(platform, "8606"), what="the bot's answer")
