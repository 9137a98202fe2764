"""`dvc-bot ask` and `dvc-bot shell` from a fresh shell, nothing else running."""
import json
import subprocess

import pytest

from tests.conftest import DVC_BOT, ROOT, after_model_result

pytestmark = pytest.mark.slow
# each loads the model in a fresh process (tens of seconds): they run right after training, in the
# background, while other tests go on (tests/after_model.py)
AFTER_MODEL = {
    "cli-ask-json": {"argv": [DVC_BOT, "ask", "--json", "Làm thẻ căn cước mất bao lâu?"]},
    "cli-ask-batch": {"argv": [DVC_BOT, "ask", "--json", "--batch", "/dev/stdin"],
                      "input": "lam passport bao lau\n\nxin chào\nkhai sinh cho con mất bao lâu\n"},
    "cli-shell": {"argv": [DVC_BOT, "shell"], "input": "làm căn cước bao lâu\n/info\nlam passport bao lau\n/thoat\n"},
}

KEYS = {"question", "text", "intent", "confidence", "sources", "latency_ms"}


def run(args, env, **kwargs):
    return subprocess.run([DVC_BOT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, **kwargs)


def test_ask_json_answers_the_processing_time_with_a_source(trained_model):
    result = after_model_result("cli-ask-json")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # stdout carries the JSON only
    answer = json.loads(lines[0])
    assert set(answer) == KEYS
    assert answer["question"] == "Làm thẻ căn cước mất bao lâu?"
    assert "7 ngày làm việc" in answer["text"]
    assert answer["intent"] == "ask_procedure"
    assert 0 < answer["confidence"] <= 1
    assert answer["sources"] and {"title", "url", "checked"} <= set(answer["sources"][0])
    assert "Nguồn:" in answer["text"] and "kiểm tra ngày" in answer["text"]


def test_ask_batch_prints_jsonl(trained_model):
    result = after_model_result("cli-ask-batch")  # a blank line is skipped
    assert result.returncode == 0, result.stderr[-2000:]
    answers = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [a["question"] for a in answers] == ["lam passport bao lau", "xin chào", "khai sinh cho con mất bao lâu"]
    assert "8 ngày làm việc" in answers[0]["text"] and answers[0]["sources"]
    assert answers[1]["intent"] == "greet" and answers[1]["sources"] == []
    assert "Trong ngày" in answers[2]["text"]


def test_ask_without_a_question_is_a_usage_error(bot_env):
    result = run(["ask", "--json"], bot_env)
    assert result.returncode == 2
    assert "question" in result.stderr


def test_shell_shows_intent_confidence_and_sources_on_request(trained_model):
    result = after_model_result("cli-shell")
    assert result.returncode == 0, result.stderr[-2000:]
    first, _, second = result.stdout.partition("(chi tiết: bật)")
    assert "7 ngày làm việc" in first and "intent:" not in first
    assert "intent: ask_procedure" in second
    assert "nguồn:" in second
