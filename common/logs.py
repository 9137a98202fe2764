"""Structured, private log lines for the gateway and the action server.

- `install()` makes every log record of the process pass through `scrub`: CCCD/CMND numbers,
  phone numbers and emails are masked (common.redact) in the message, its arguments, the
  exception text and the stack, and `token=...` query parameters are hidden. It wraps the log
  record factory (so records reach no handler unmasked, whoever configured the handler) and adds
  `PersonalDataFilter` to the handlers that exist.
- `configure(settings)` also sets the format of the gateway's own handler: `LOG_FORMAT=json`
  writes one JSON object a line, `text` (default) a classic line with `key=value` fields.
- A turn is logged with `extra=fields(conversation=conversation_id(sender), channel=...,
  outcome=..., latency_ms=...)`; `conversation_id` is a short keyed hash of the sender, the
  same in every process of a deployment (LOG_SALT, or a salt kept under DVC_DATA_DIR), never
  the id itself.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Optional

from common.redact import redact

SECRET_PARAM = re.compile(r"(?i)\b((?:access_|refresh_|verify_|staff_)?token|secret|password)=([^&\s\"']+)")
FIELDS = "fields"  # the `extra` key holding a record's structured fields

_lock = threading.Lock()
_installed = False
_salts: Dict[str, bytes] = {}


def mask(text: str) -> str:
    """Personal data and secrets out of one string."""
    if not text:
        return text
    return SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", redact(text))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (bytes, bytearray)):
        return mask(bytes(value).decode("utf-8", "replace"))
    return value


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Mask personal data in one record, in place (idempotent)."""
    if getattr(record, "_dvc_scrubbed", False):
        return record
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    if isinstance(record.args, dict):
        record.args = {k: _mask_value(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_mask_value(a) for a in record.args)
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler's error reporting
        message = None
    if message is not None and mask(message) != message:
        # something personal survives formatting (e.g. a number passed as %d): collapse
        record.msg, record.args = mask(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    extra = getattr(record, FIELDS, None)
    if isinstance(extra, dict):
        setattr(record, FIELDS, {k: _mask_value(v) for k, v in extra.items()})
    record._dvc_scrubbed = True
    return record


class PersonalDataFilter(logging.Filter):
    """Masks CCCD/CMND numbers, phone numbers, emails and tokens in every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


def fields(**values: Any) -> Dict[str, Any]:
    """`extra=` for a structured log line: `log.info("turn", extra=fields(channel="web"))`."""
    return {FIELDS: {k: v for k, v in values.items() if v is not None}}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        scrub(record)
        line: Dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, FIELDS, None) or {})
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(name)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        scrub(record)
        line = super().format(record)
        extra = getattr(record, FIELDS, None) or {}
        if extra:
            pairs = " ".join(f"{k}={_kv(v)}" for k, v in extra.items())
            head, sep, rest = line.partition("\n")  # fields on the first line, before a traceback
            line = f"{head} {pairs}{sep}{rest}"
        return line


def _kv(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or any(c in text for c in ' ="')) else text


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if (log_format or "").lower() == "json" else KeyValueFormatter()


def install() -> None:
    """Scrub every record of this process from now on (safe to call more than once)."""
    global _installed
    with _lock:
        if not _installed:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                return scrub(previous(*args, **kwargs))

            logging.setLogRecordFactory(factory)
            _installed = True
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(PersonalDataFilter())


def configure(log_format: str = "text", logger_name: str = "server", stream: Any = None) -> logging.Logger:
    """The gateway's logger: one handler on stderr in the chosen format (unless the root logger
    already has handlers, e.g. under pytest), INFO level, and `install()`."""
    logger = logging.getLogger(logger_name)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    for handler in logger.handlers:
        handler.setFormatter(formatter(log_format))
    install()
    return logger


# -- pseudonymous conversation ids -------------------------------------------------------
def _salt(secret: str, data_dir: Optional[Path]) -> bytes:
    if secret:
        return secret.encode()
    if data_dir is None:
        return b"dvc-bot"
    key = str(data_dir)
    if key not in _salts:
        path = Path(data_dir) / "log-salt"
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"log-salt.{os.getpid()}.tmp")
                tmp.write_text(os.urandom(16).hex())
                try:  # atomic: the first process's salt wins, the others read it
                    os.link(tmp, path)
                except FileExistsError:
                    pass
                finally:
                    tmp.unlink()
            _salts[key] = path.read_text().strip().encode()
        except OSError:
            return b"dvc-bot"
    return _salts[key]


def conversation_id(sender: str, secret: str = "", data_dir: Optional[Path] = None) -> str:
    """A short stable pseudonym of a conversation (Rasa sender id) for logs and the staff
    report: HMAC-SHA256 keyed with LOG_SALT (or the salt under DVC_DATA_DIR), 12 hex digits."""
    return hmac.new(_salt(secret, data_dir), (sender or "").encode(), hashlib.sha256).hexdigest()[:12]


def conversation_id_for(sender: str, settings: Any = None) -> str:
    if settings is None:
        from common.settings import get_settings

        settings = get_settings()
    return conversation_id(sender, settings.log_salt, settings.data_dir)
