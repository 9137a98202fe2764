"""Two workers (`dvc-bot serve` with WORKERS=2): two gateways, two Rasa servers, two action
servers, sharing PostgreSQL (conversations, feedback) and Redis (lock store, de-duplication).
Messages of one citizen arriving at both workers at once are all handled, one at a time."""
from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import sqlalchemy as sa

from dvcbot.supervisor import free_port_block
from server.dedup import RedisDedup
from tests.conftest import Served
from tests.fakes import is_apology

QUESTIONS = [
    "làm thẻ căn cước mất bao lâu",
    "lệ phí làm hộ chiếu bao nhiêu",
    "đăng ký kết hôn cần giấy tờ gì",
    "quên mật khẩu vneid thì làm sao",
    "cấp lại giấy phép lái xe nộp ở đâu",
    "xin chào",
    "làm lý lịch tư pháp online được không",
    "cảm ơn",
    "đăng ký khai sinh mất bao lâu",
    "tài khoản định danh mức 2 là gì",
    "có người gọi điện xưng công an bảo cài ứng dụng",
    "nộp hồ sơ rồi theo dõi ở đâu",
]


@pytest.fixture(scope="module")
def two_workers(bot_env, trained_model, pg_url, redis_url, tmp_path_factory):
    import redis

    base = free_port_block(6)  # gateways, Rasa servers, action servers: two of each
    prefix = f"scaleout{uuid.uuid4().hex[:12]}"  # this run's keys only (another run may share the Redis)
    env = dict(
        bot_env, WORKERS="2", DATABASE_URL=pg_url, REDIS_URL=redis_url, REDIS_KEY_PREFIX=prefix,
        PORT=str(base), RASA_PORT=str(base + 2), ACTIONS_PORT=str(base + 4),
    )
    serve = Served(env, tmp_path_factory.mktemp("scale-out-log") / "serve.log")
    serve.wait_ready()
    try:
        yield [f"http://127.0.0.1:{int(env['PORT']) + i}" for i in range(2)]
    finally:
        serve.stop()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


@pytest.mark.slow
def test_one_senders_concurrent_messages_across_two_workers_are_all_handled_one_at_a_time(two_workers, pg_url):
    """Order: messages reach Rasa's lock in the order they arrive at each worker, but concurrent
    requests 50 ms apart on separate connections may reach even one worker in either order on a
    loaded machine (CI saw it), so arrival order is not asserted. What must hold: none is lost or
    handled twice, turns never interleave, every reply answers its own message."""
    sender = "same-citizen"

    async def send_all():
        async with httpx.AsyncClient(timeout=60) as client:
            tasks = []
            for i, question in enumerate(QUESTIONS):  # alternate workers, 50 ms apart: turns overlap
                body = {"sender": sender, "message": question}
                tasks.append(asyncio.create_task(client.post(f"{two_workers[i % 2]}/webhooks/web", json=body)))
                await asyncio.sleep(0.05)
            return await asyncio.gather(*tasks)

    responses = asyncio.run(send_all())
    assert [r.status_code for r in responses] == [200] * len(QUESTIONS)
    replies = [" ".join(m["text"] or "" for m in r.json()["messages"]) for r in responses]
    for response, reply in zip(responses, replies):
        assert reply and not any(is_apology(m) for m in response.json()["messages"])
    assert "7 ngày làm việc" in replies[0]  # each reply is the answer to its own message
    assert "hộ chiếu" in replies[1].lower() and "kết hôn" in replies[2].lower()

    with sa.create_engine(pg_url).connect() as conn:
        rows = conn.execute(
            sa.text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": f"web:{sender}"}
        ).all()
    import json

    handled = [json.loads(r.data)["text"] for r in rows if r.type_name == "user"]
    assert sorted(handled) == sorted(QUESTIONS)  # none lost, none twice
    turns, current = [], None
    for r in rows:
        if r.type_name == "user":
            current = []
            turns.append(current)
        elif current is not None:
            current.append((r.type_name, r.action_name))
    for turn in turns:  # each turn finished (bot spoke, back to listening) before the next began
        assert ("bot", None) in turn and turn[-1] == ("action", "action_listen")


def test_a_delivery_retried_to_another_worker_is_recognised(redis_url, redis_prefix):
    prefix = redis_prefix  # removed after the test
    worker_a, worker_b = RedisDedup(redis_url, 60, prefix), RedisDedup(redis_url, 60, prefix)
    assert worker_a.first_time("zalo:msg-1") is True
    assert worker_b.first_time("zalo:msg-1") is False
    assert worker_b.first_time("zalo:msg-2") is True


def test_redis_down_deduplication_falls_back_to_memory():
    dedup = RedisDedup("redis://127.0.0.1:1/0", 60)
    assert dedup.first_time("k") is True and dedup.first_time("k") is False
