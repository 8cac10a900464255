"""Metrics scraped from a live health server, and JSON log lines that carry the clip's ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from emer_common import metrics
from emer_common.health import HealthServer
from emer_common.logging_setup import (
    ContextFilter,
    JsonFormatter,
    LogSettings,
    clip_log_context,
    set_log_service,
)

pytestmark = pytest.mark.unit

SERVICE = "metrics-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_endpoint_serves_what_was_recorded() -> None:
    port = _free_port()
    server = HealthServer(port, ready=lambda: True)
    await server.start()
    try:
        with metrics.in_flight(SERVICE):
            assert _value("emer_in_flight", service=SERVICE) == 1
        metrics.observe_message(SERVICE, "ok")
        metrics.observe_message(SERVICE, "dead_lettered", seconds=0.2)
        with metrics.model_load(SERVICE, "tiny"):
            pass
        metrics.observe_fusion_join(1.5, ("audio",))
        metrics.observe_llm_request("stub", 0.3, prompt_tokens=7, completion_tokens=3)
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
            ready = await client.get(f"http://127.0.0.1:{port}/readyz")
    finally:
        await server.stop()

    assert response.status_code == 200 and ready.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }

    def scraped(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert scraped("emer_messages_total", service=SERVICE, outcome="ok") >= 1
    assert scraped("emer_messages_total", service=SERVICE, outcome="dead_lettered") >= 1
    assert scraped("emer_stage_duration_seconds_count", service=SERVICE) >= 2
    assert scraped("emer_in_flight", service=SERVICE) == 0
    assert scraped("emer_model_load_seconds", service=SERVICE, model="tiny") >= 0
    assert scraped("emer_fusion_join_wait_seconds_count") >= 1
    assert scraped("emer_fusion_missing_modality_total", modality="audio") >= 1
    assert scraped("emer_llm_tokens_total", backend="stub", direction="prompt") >= 7
    assert scraped("emer_llm_request_duration_seconds_count", backend="stub") >= 1
    assert scraped("emer_build_info", version=metrics.emer_version()) == 1
    # No series is keyed by a clip: every label is one of a small fixed set.
    allowed = {"service", "outcome", "model", "modality", "backend", "direction", "version", "le"}
    for name, labels in samples:
        if name.startswith("emer_"):
            assert {key for key, _ in labels} <= allowed, name


def _json_lines(run: object) -> list[dict[str, object]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("emer.test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        assert callable(run)
        run(logger)
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_job_clip_and_service() -> None:
    set_log_service("visual")

    def run(logger: logging.Logger) -> None:
        logger.info("outside")
        with clip_log_context("job-1", "clip-7"):
            logger.info("inside %d", 1)

            async def in_task() -> None:
                await asyncio.to_thread(logger.warning, "from a thread")

            asyncio.run(in_task())
        logger.info("after")

    outside, inside, threaded, after = _json_lines(run)
    assert outside["service"] == "visual" and "clip_id" not in outside
    assert inside == {**inside, "message": "inside 1", "job_id": "job-1", "clip_id": "clip-7"}
    assert threaded["clip_id"] == "clip-7" and threaded["level"] == "WARNING"
    assert "job_id" not in after


def test_log_format_defaults_to_text_and_reads_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMER_LOG_FORMAT", raising=False)
    assert LogSettings().format == "text"
    monkeypatch.setenv("EMER_LOG_FORMAT", "json")
    assert LogSettings().format == "json"
