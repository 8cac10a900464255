"""Optional OpenTelemetry tracing: a span per stage, the context carried in NATS headers.

Off by default. ``EMER_TRACING_ENABLED=true`` with the ``tracing`` extra installed exports
spans over OTLP/HTTP, configured by the standard ``OTEL_EXPORTER_OTLP_*`` variables (e.g.
``OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318``). Otherwise every function here
is a cheap no-op and OpenTelemetry is never imported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

_state: dict[str, bool] = {"enabled": False}


class TracingSettings(BaseSettings):
    """Process-wide tracing switch; the exporter reads the standard OTEL_* variables."""

    model_config = SettingsConfigDict(env_prefix="EMER_TRACING_", extra="ignore", frozen=True)

    enabled: bool = Field(
        default=False,
        description="Export OpenTelemetry spans over OTLP/HTTP (needs the 'tracing' extra; "
        "endpoint from OTEL_EXPORTER_OTLP_ENDPOINT).",
    )


def configure_tracing(
    service: str, settings: TracingSettings | None = None, processor: Any = None
) -> bool:
    """Install a tracer provider for ``emer-<service>``; True when tracing is on.

    ``processor`` replaces the OTLP batch exporter (tests pass an in-memory one).
    """
    if not (settings or TracingSettings()).enabled:
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "EMER_TRACING_ENABLED is set but OpenTelemetry is not installed: pip "
            "install 'emer[tracing]'; tracing stays off"
        )
        return False
    if processor is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    provider = TracerProvider(resource=Resource.create({"service.name": f"emer-{service}"}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    _state["enabled"] = True
    return True


def inject_headers(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current trace context (W3C ``traceparent``) to outgoing message headers."""
    if _state["enabled"]:
        from opentelemetry import propagate

        propagate.inject(headers)
    return headers


@contextmanager
def stage_span(
    name: str,
    headers: Mapping[str, str] | None = None,
    attributes: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """A span for one stage, child of the context in ``headers`` (a received message's)."""
    if not _state["enabled"]:
        yield
        return
    from opentelemetry import propagate, trace

    parent = propagate.extract(dict(headers or {})) if headers is not None else None
    tracer = trace.get_tracer("emer")
    with tracer.start_as_current_span(name, context=parent, attributes=dict(attributes or {})):
        yield


def current_trace_id() -> str | None:
    """Hex trace id of the active span, for log lines; None without one."""
    if not _state["enabled"]:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
