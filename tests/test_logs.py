"""Logs carry no personal data: the gateway's and the action server's loggers, configured as in
production (each in its own process), mask CCCD/CMND numbers, phone numbers, emails and tokens
in messages, arguments and tracebacks; the gateway writes JSON lines when LOG_FORMAT=json."""
import json
import logging
import os
import subprocess
import sys

from common.logs import PersonalDataFilter, conversation_id, fields, formatter, mask

CCCD, CMND, PHONE, PHONE_SPACED, EMAIL = "001203004567", "123456789", "0912345678", "+84 912 345 678", "an.nguyen@example.vn"
CCCD_INT = 201203004567  # a CCCD passed as a number (%d)
PERSONAL = (CCCD, CMND, PHONE, "912 345 678", EMAIL, "s3cret-staff", str(CCCD_INT))

LOG_CALLS = f"""
import logging
log = logging.getLogger({{logger!r}})
log.warning("citizen wrote: CCCD {CCCD}, gọi {PHONE_SPACED}, email {EMAIL}")
log.warning("arguments: %s / %s / %d", "CMND {CMND}", "{PHONE}", {CCCD_INT})
try:
    raise ValueError("số {CCCD} không hợp lệ")
except ValueError:
    log.exception("failed for %s", "{EMAIL}")
logging.getLogger("uvicorn.access").warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/staff/report?token=s3cret-staff", "1.1", 200)
"""


def run(code, **env):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, **env})
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stderr


def assert_masked(output, expected_lines):
    for personal in PERSONAL:
        assert personal not in output
    assert "[số giấy tờ]" in output and "[số điện thoại]" in output and "[email]" in output
    assert "ValueError: số [số giấy tờ] không hợp lệ" in output  # the traceback is kept, masked
    assert "token=***" in output
    assert output.count("citizen wrote") == 1 and len(output.strip().splitlines()) >= expected_lines


def test_gateway_logger_masks_personal_data_in_json_lines(tmp_path):
    setup = "import server.main  # configures the gateway's logging as under uvicorn\n"
    output = run(setup + LOG_CALLS.format(logger="server.gateway"), LOG_FORMAT="json", DVC_DATA_DIR=str(tmp_path))
    assert_masked(output, 4)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {line["logger"] for line in lines} >= {"server.gateway"}
    first = lines[0]
    assert first["level"] == "WARNING" and first["message"].startswith("citizen wrote: CCCD [số giấy tờ]")
    assert any("exc" in line and "[số giấy tờ]" in line["exc"] for line in lines)


def test_gateway_logger_masks_personal_data_in_text_lines(tmp_path):
    output = run("import server.main\n" + LOG_CALLS.format(logger="server.outbox"), DVC_DATA_DIR=str(tmp_path))
    assert_masked(output, 4)
    assert "WARNING [server.outbox] citizen wrote: CCCD [số giấy tờ]" in output


def test_action_server_logger_masks_personal_data(tmp_path):
    # as `python -m rasa_sdk --actions actions`: rasa_sdk sets up its logging, then imports actions
    setup = "from rasa_sdk import utils\nutils.configure_colored_logging('DEBUG')\nimport actions\n"
    output = run(setup + LOG_CALLS.format(logger="rasa_sdk.executor"), DVC_DATA_DIR=str(tmp_path))
    assert_masked(output, 4)


def test_structured_fields_are_formatted_and_masked():
    record = logging.LogRecord("server.gateway", logging.INFO, __file__, 1, "turn", None, None)
    record.__dict__.update(fields(conversation="abc123", channel="web", outcome="answered", latency_ms=12.5, note=f"gọi {PHONE}"))
    PersonalDataFilter().filter(record)
    line = json.loads(formatter("json").format(record))
    assert line["conversation"] == "abc123" and line["outcome"] == "answered" and line["latency_ms"] == 12.5
    assert line["note"] == "gọi [số điện thoại]"
    text = formatter("text").format(record)
    assert "turn conversation=abc123 channel=web outcome=answered latency_ms=12.5" in text


def test_conversation_ids_are_short_stable_and_keyed(tmp_path):
    a = conversation_id("zalo:7700112233", data_dir=tmp_path)
    assert a == conversation_id("zalo:7700112233", data_dir=tmp_path) and len(a) == 12
    assert a != conversation_id("zalo:7700112234", data_dir=tmp_path)
    assert (tmp_path / "log-salt").exists()  # other processes of the deployment read the same salt
    assert conversation_id("zalo:7700112233", secret="k1") != conversation_id("zalo:7700112233", secret="k2")
    assert "7700112233" not in a
    assert mask("https://x/cb?access_token=abc&x=1") == "https://x/cb?access_token=***&x=1"
