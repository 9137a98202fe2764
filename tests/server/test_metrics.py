"""Prometheus /metrics of the real gateway (uvicorn on loopback, the fake platform as Rasa,
Zalo and Graph): turns by channel and outcome, latency, fallbacks, handoffs, ratings, failed
outbound sends and Rasa-unavailable apologies; and the structured turn log line."""
import json
import logging

import httpx
from prometheus_client.parser import text_string_to_metric_families

from common.logs import FIELDS, conversation_id_for
from tests.fakes import wait_for, zalo_mac, zalo_text_event


def scrape(client, gateway):
    response = client.get(f"{gateway.base}/metrics")  # no token needed
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(values, name, **labels):
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def web(client, gateway, sender, message):
    response = client.post(f"{gateway.base}/webhooks/web", json={"sender": sender, "message": message})
    assert response.status_code == 200
    return response.json()["messages"]


def test_turns_are_counted_by_channel_and_outcome(platform, gateway, client, caplog):
    caplog.set_level(logging.INFO, logger="server.gateway")
    before = scrape(client, gateway)
    assert value(before, "dvc_turns_total", channel="web", outcome="answered") == 0

    answer = web(client, gateway, "citizen-0912345678", "/marked_answer")
    assert answer[0]["custom"]["outcome"] == "answered" and answer[0]["sources"]
    web(client, gateway, "m2", "/marked_no_answer")
    web(client, gateway, "m2", "/marked_handoff")
    thanks = web(client, gateway, "m3", "/marked_rate_good")
    assert [m["text"] for m in thanks] == ["Cảm ơn bạn đã đánh giá!"]  # the marker shows nothing
    assert thanks[0]["custom"] == {"outcome": "feedback", "rating": "up", "topic": "procedure"}
    web(client, gateway, "m3", "/marked_rate_bad")
    web(client, gateway, "m4", "xin chào")  # an unmarked answer

    after = scrape(client, gateway)
    assert value(after, "dvc_turns_total", channel="web", outcome="answered") == 1
    assert value(after, "dvc_turns_total", channel="web", outcome="fallback") == 1
    assert value(after, "dvc_turns_total", channel="web", outcome="handoff") == 1
    assert value(after, "dvc_turns_total", channel="web", outcome="feedback") == 2
    assert value(after, "dvc_turns_total", channel="web", outcome="unknown") == 1
    assert value(after, "dvc_fallbacks_total", channel="web", reason="no_answer") == 1
    assert value(after, "dvc_handoffs_total", channel="web") == 1
    assert value(after, "dvc_ratings_total", channel="web", rating="up") == 1
    assert value(after, "dvc_ratings_total", channel="web", rating="down") == 1
    assert value(after, "dvc_turn_latency_seconds_count", channel="web") == 6
    assert value(after, "dvc_turn_latency_seconds_bucket", channel="web", le="+Inf") == 6
    assert value(after, "dvc_turn_latency_seconds_sum", channel="web") > 0

    # one structured line per turn, with a pseudonym instead of the sender id
    turns = [r for r in caplog.records if r.name == "server.gateway" and r.getMessage() == "turn"]
    assert len(turns) == 6
    first = getattr(turns[0], FIELDS)
    assert first["conversation"] == conversation_id_for("web:citizen-0912345678", gateway.settings)
    assert first["channel"] == "web" and first["outcome"] == "answered" and first["latency_ms"] >= 0
    assert "0912345678" not in json.dumps([getattr(r, FIELDS) for r in turns])


def test_zalo_turns_failed_sends_and_rasa_down_are_counted(platform, start_gateway, client):
    gateway = start_gateway(outbound_attempts=1)
    platform.fail_next["zalo"] = ["500"]
    event = zalo_text_event("8800", "/marked_answer", "m-metrics-1")  # one event: its timestamp is signed
    raw = json.dumps(event, ensure_ascii=False).encode()
    headers = {"content-type": "application/json",
               "X-ZEvent-Signature": zalo_mac("app-1", raw, event["timestamp"], "oa-secret-key")}
    assert client.post(f"{gateway.base}/webhooks/zalo", content=raw, headers=headers).status_code == 200
    wait_for(lambda: platform.sent("zalo"), what="the answer after a retry")
    values = scrape(client, gateway)
    assert value(values, "dvc_turns_total", channel="zalo", outcome="answered") == 1
    assert value(values, "dvc_outbound_send_failures_total", channel="zalo", result="retry") == 1
    assert value(values, "dvc_outbound_send_failures_total", channel="zalo", result="dead") == 0

    down = start_gateway(rasa_url="http://127.0.0.1:9", data_dir=gateway.settings.data_dir.parent / "var-down")
    apology = web(client, down, "d1", "xin chào")
    assert "18001096" in apology[0]["text"]
    values = scrape(client, down)
    assert value(values, "dvc_rasa_unavailable_total", channel="web", reason="rasa_unavailable") == 1
    assert value(values, "dvc_turns_total", channel="web", outcome="error") == 1
    # each app has its own registry: the first gateway's counters are not in the second's
    assert value(values, "dvc_turns_total", channel="zalo", outcome="answered") == 0


def test_metrics_is_an_ops_endpoint_not_a_channel(gateway, client):
    spec = client.get(f"{gateway.base}/openapi.json").json()
    assert spec["paths"]["/metrics"]["get"]["tags"] == ["ops"]
    channel_paths = [p for p, ops in spec["paths"].items() for op in ops.values() if "channels" in op.get("tags", [])]
    assert "/metrics" not in channel_paths and not any(p.startswith("/staff") for p in channel_paths)
    assert httpx.get(f"{gateway.base}/metrics").status_code == 200
