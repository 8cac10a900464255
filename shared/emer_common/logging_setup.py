"""One logging format for every emer process: plain text, or JSON lines for log collectors.

``EMER_LOG_FORMAT=json`` (the chart's default) writes one JSON object per line. Lines logged
inside ``clip_log_context`` carry the clip's ``job_id`` and ``clip_id``; every line carries
``service`` once ``set_log_service`` named the process, and ``trace_id`` inside a traced span.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from emer_common.tracing import current_trace_id

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"
CONTEXT_FIELDS = ("service", "job_id", "clip_id")

_context: ContextVar[dict[str, str]] = ContextVar("emer_log_context", default={})  # noqa: B039
_service: dict[str, str] = {}


class LogSettings(BaseSettings):
    """Process-wide log settings; every service reads the same ``EMER_LOG_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="EMER_LOG_", extra="ignore", frozen=True)

    format: LogFormat = Field(
        default="text",
        description="'text' (one readable line) or 'json' (one JSON object per line with "
        "service, job_id and clip_id; the Helm chart's default).",
    )


class ContextFilter(logging.Filter):
    """Copies the service and the current clip's ids onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in {**_service, **_context.get()}.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        trace_id = current_trace_id()
        if trace_id:
            line["trace_id"] = trace_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str | None = None, log_format: LogFormat | None = None) -> None:
    """Configure the root logger once per process; ``log_format`` defaults to EMER_LOG_FORMAT."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    chosen = log_format or LogSettings().format
    handler.setFormatter(JsonFormatter() if chosen == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=(level or "INFO").upper(), handlers=[handler])
    # Model libraries are chatty at INFO; their warnings still show.
    for noisy in ("faster_whisper", "httpx", "nats", "absl"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def set_log_service(service: str) -> None:
    """Name the service every later line of this process carries."""
    _service["service"] = service


@contextmanager
def clip_log_context(
    job_id: str | None, clip_id: str | None, service: str | None = None
) -> Iterator[None]:
    """Lines logged inside (this task and the threads it starts with to_thread) carry the ids."""
    fields = {
        key: value
        for key, value in (("job_id", job_id), ("clip_id", clip_id), ("service", service))
        if value
    }
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)
