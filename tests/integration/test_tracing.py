"""Trace context from the CLI's publish to a service's span, through real NATS headers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the 'tracing' extra is not installed")

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from emer_common import tracing
from emer_common.bus.publish import publish
from emer_common.logging_setup import JsonFormatter
from emer_common.runtime import Bus
from tests.integration.test_fusion_deadline import sample_job

pytestmark = pytest.mark.integration


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    settings = tracing.TracingSettings(enabled=True)
    assert tracing.configure_tracing("test", settings, SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        tracing._state["enabled"] = False


def test_tracing_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMER_TRACING_ENABLED", raising=False)
    assert not tracing.configure_tracing("test")
    assert tracing.inject_headers({}) == {}
    with tracing.stage_span("nothing"):
        assert tracing.current_trace_id() is None


async def test_span_context_travels_in_nats_headers(bus: Bus, spans: InMemorySpanExporter) -> None:
    job = sample_job("traced")
    subject = bus.topology.job_subject(job.job_id, job.clip_id)
    with tracing.stage_span("cli.submit", attributes={"emer.clip_id": job.clip_id}):
        await publish(bus.js, subject, job, "job.traced")
    msg = await bus.js.get_last_msg(bus.topology.jobs_stream, subject)
    assert msg.headers and "traceparent" in msg.headers
    with tracing.stage_span("visual.handle", msg.headers):
        trace_id = tracing.current_trace_id()
        record = logging.LogRecord("emer", logging.INFO, __file__, 1, "handled", None, None)
        line = JsonFormatter().format(record)
    finished = {span.name: span for span in spans.get_finished_spans()}
    submit, handle = finished["cli.submit"], finished["visual.handle"]
    assert handle.parent is not None and handle.parent.span_id == submit.context.span_id
    assert format(submit.context.trace_id, "032x") == trace_id
    assert f'"trace_id": "{trace_id}"' in line
    assert submit.attributes is not None and submit.attributes["emer.clip_id"] == "traced"
    assert submit.resource.attributes["service.name"] == "emer-test"
