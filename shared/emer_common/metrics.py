"""Prometheus metrics of every emer process, served at ``/metrics`` by the health server.

Base units (seconds, counts); labels are bounded sets (service, outcome, model, modality,
backend, direction), never job or clip ids: one clip per series would exhaust Prometheus.
Services call the small recording functions below, not the metric objects.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

Outcome = Literal["ok", "retried", "dead_lettered", "failed"]
Direction = Literal["prompt", "completion"]

# Clue stages take 0.05 s (text) to minutes (a long video on CPU).
STAGE_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
# Fusion waits up to its modality deadline (default 300 s) for the slowest modality.
JOIN_WAIT_BUCKETS_S = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200)
LLM_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80)

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST

MESSAGES = Counter(
    "emer_messages",
    "Bus messages handled, by outcome: ok (acked), retried (nak'ed to wait or after a "
    "transient error), dead_lettered, failed (an attempt raised).",
    ["service", "outcome"],
)
STAGE_DURATION = Histogram(
    "emer_stage_duration_seconds",
    "Time a service spent handling one message.",
    ["service"],
    buckets=STAGE_BUCKETS_S,
)
IN_FLIGHT = Gauge("emer_in_flight", "Messages being handled right now.", ["service"])
MODEL_LOAD = Gauge(
    "emer_model_load_seconds", "Time the last load of a model took.", ["service", "model"]
)
FUSION_JOIN_WAIT = Histogram(
    "emer_fusion_join_wait_seconds",
    "Time from a clip's first clue report to its fusion.",
    buckets=JOIN_WAIT_BUCKETS_S,
)
FUSION_MISSING_MODALITY = Counter(
    "emer_fusion_missing_modality",
    "Clips fused without a modality's report (its deadline passed).",
    ["modality"],
)
FUSION_CLIPS_READY = Gauge(
    "emer_fusion_clips_ready",
    "Clips whose expected clue reports are all in (or whose deadline has come), not fused "
    "yet: the work fusion can do now, and the signal it scales on.",
)
FUSION_CLIPS_WAITING = Gauge(
    "emer_fusion_clips_waiting",
    "Clips parked until other modalities' reports come (or their deadline).",
)
LLM_TOKENS = Counter(
    "emer_llm_tokens", "Tokens the fusion LLM read (prompt) and wrote.", ["backend", "direction"]
)
LLM_REQUEST_DURATION = Histogram(
    "emer_llm_request_duration_seconds",
    "Duration of one LLM generation request.",
    ["backend"],
    buckets=LLM_BUCKETS_S,
)
BUILD_INFO = Gauge("emer_build_info", "Always 1; the running emer version.", ["version"])


def observe_message(service: str, outcome: Outcome, seconds: float | None = None) -> None:
    """Count one handled message; ``seconds`` (when known) goes to the stage histogram."""
    MESSAGES.labels(service=service, outcome=outcome).inc()
    if seconds is not None:
        STAGE_DURATION.labels(service=service).observe(seconds)


@contextmanager
def in_flight(service: str) -> Iterator[None]:
    """Count a message as in flight and time it into the stage histogram."""
    gauge = IN_FLIGHT.labels(service=service)
    gauge.inc()
    start = time.perf_counter()
    try:
        yield
    finally:
        gauge.dec()
        STAGE_DURATION.labels(service=service).observe(time.perf_counter() - start)


@contextmanager
def model_load(service: str, model: str) -> Iterator[None]:
    """Time a model load; a load that raises records nothing."""
    start = time.perf_counter()
    yield
    MODEL_LOAD.labels(service=service, model=model).set(time.perf_counter() - start)


def observe_fusion_join(wait_s: float, missing: tuple[str, ...] = ()) -> None:
    """One clip fused after waiting ``wait_s`` for its reports, without ``missing`` ones."""
    FUSION_JOIN_WAIT.observe(max(wait_s, 0.0))
    for modality in missing:
        FUSION_MISSING_MODALITY.labels(modality=modality).inc()


def set_fusion_clips(ready: int, waiting: int) -> None:
    """The latest count of clips ready to fuse and of clips waiting for reports."""
    FUSION_CLIPS_READY.set(ready)
    FUSION_CLIPS_WAITING.set(waiting)


def observe_llm_request(
    backend: str, seconds: float, prompt_tokens: int = 0, completion_tokens: int = 0
) -> None:
    """One LLM request: its duration and the tokens it read and wrote."""
    LLM_REQUEST_DURATION.labels(backend=backend).observe(seconds)
    LLM_TOKENS.labels(backend=backend, direction="prompt").inc(max(prompt_tokens, 0))
    LLM_TOKENS.labels(backend=backend, direction="completion").inc(max(completion_tokens, 0))


def emer_version() -> str:
    try:
        return importlib.metadata.version("emer")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def set_build_info(version: str | None = None) -> None:
    BUILD_INFO.labels(version=version or emer_version()).set(1)


def exposition(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The registry in Prometheus' text format (``METRICS_CONTENT_TYPE``)."""
    return generate_latest(registry)
