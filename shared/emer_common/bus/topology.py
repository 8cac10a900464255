"""Names of every stream, subject, consumer and bucket, derived from one prefix.

A prefix per deployment (default ``emer``) lets several deployments, or parallel tests,
share one NATS server without seeing each other's messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from emer_common.settings import BusSettings, WorkerSettings

ONE_MIB = 1024 * 1024


class Service(StrEnum):
    VISUAL = "visual"
    AUDIO = "audio"
    TEXT = "text"
    TEXT_TRANSCRIPTS = "text-transcripts"
    FUSION = "fusion"
    SCORING = "scoring"


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer that all replicas of one service share."""

    stream: str
    durable: str
    filter_subject: str
    unlimited_deliveries: bool = False
    """Fusion re-checks its join by redelivery, so the server must not cap deliveries."""


@dataclass(frozen=True)
class Topology:
    prefix: str = "emer"

    # -- streams ---------------------------------------------------------------------
    @property
    def jobs_stream(self) -> str:
        return f"{self.prefix.upper()}_JOBS"

    @property
    def clues_stream(self) -> str:
        return f"{self.prefix.upper()}_CLUES"

    @property
    def results_stream(self) -> str:
        return f"{self.prefix.upper()}_RESULTS"

    @property
    def scores_stream(self) -> str:
        return f"{self.prefix.upper()}_SCORES"

    @property
    def dlq_stream(self) -> str:
        return f"{self.prefix.upper()}_DLQ"

    # -- subjects --------------------------------------------------------------------
    def job_subject(self, job_id: str = "*", clip_id: str = "*") -> str:
        return f"{self.prefix}.jobs.{job_id}.{clip_id}"

    def clue_subject(self, job_id: str = "*", clip_id: str = "*", modality: str = "*") -> str:
        return f"{self.prefix}.clues.{job_id}.{clip_id}.{modality}"

    def transcript_subject(self, job_id: str = "*", clip_id: str = "*") -> str:
        return f"{self.prefix}.transcripts.{job_id}.{clip_id}"

    def result_subject(self, job_id: str = "*", clip_id: str = "*") -> str:
        return f"{self.prefix}.results.{job_id}.{clip_id}"

    def score_subject(self, job_id: str = "*", clip_id: str = "*") -> str:
        return f"{self.prefix}.scores.{job_id}.{clip_id}"

    def dlq_subject(self, service: str = "*", job_id: str = "_", clip_id: str = "_") -> str:
        return f"{self.prefix}.dlq.{service}.{job_id}.{clip_id}"

    # -- buckets ---------------------------------------------------------------------
    @property
    def fusion_bucket(self) -> str:
        return f"{self.prefix}_fusion"

    @property
    def text_bucket(self) -> str:
        return f"{self.prefix}_text"

    @property
    def jobs_bucket(self) -> str:
        return f"{self.prefix}_jobs"

    @property
    def scores_bucket(self) -> str:
        return f"{self.prefix}_scores"

    @property
    def media_bucket(self) -> str:
        return f"{self.prefix}_media"

    # -- consumers -------------------------------------------------------------------
    def consumer(self, service: Service) -> ConsumerSpec:
        durable = f"{self.prefix}-{service.value}"
        if service in (Service.VISUAL, Service.AUDIO, Service.TEXT):
            return ConsumerSpec(self.jobs_stream, durable, self.job_subject())
        if service is Service.TEXT_TRANSCRIPTS:
            return ConsumerSpec(self.clues_stream, durable, self.transcript_subject())
        if service is Service.FUSION:
            return ConsumerSpec(
                self.clues_stream, durable, self.clue_subject(), unlimited_deliveries=True
            )
        return ConsumerSpec(self.results_stream, durable, self.result_subject())


def consumer_config(spec: ConsumerSpec, worker: WorkerSettings) -> ConsumerConfig:
    # One delivery more than the worker's attempts: a message seen past its last attempt
    # has crashed every worker that took it, and is dead-lettered unprocessed.
    max_deliver = -1 if spec.unlimited_deliveries else worker.max_deliver + 1
    return ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=worker.ack_wait_s,
        max_deliver=max_deliver,
        filter_subject=spec.filter_subject,
        max_ack_pending=10_000,
    )


async def ensure_topology(
    js: JetStreamContext,
    topology: Topology,
    bus: BusSettings,
    workers: dict[Service, WorkerSettings] | None = None,
) -> None:
    """Create or update every stream, consumer and bucket. Safe to call concurrently."""

    def stream(name: str, subjects: list[str], retention: RetentionPolicy) -> StreamConfig:
        return StreamConfig(
            name=name,
            subjects=subjects,
            retention=retention,
            storage=StorageType.FILE,
            num_replicas=bus.stream_replicas,
            max_age=bus.stream_max_age_s,
            duplicate_window=bus.duplicate_window_s,
            max_msg_size=ONE_MIB,
        )

    p = topology.prefix
    streams = [
        stream(topology.jobs_stream, [f"{p}.jobs.>"], RetentionPolicy.INTEREST),
        stream(
            topology.clues_stream,
            [f"{p}.clues.>", f"{p}.transcripts.>"],
            RetentionPolicy.INTEREST,
        ),
        stream(topology.results_stream, [f"{p}.results.>"], RetentionPolicy.LIMITS),
        stream(topology.scores_stream, [f"{p}.scores.>"], RetentionPolicy.LIMITS),
        stream(topology.dlq_stream, [f"{p}.dlq.>"], RetentionPolicy.LIMITS),
    ]
    for config in streams:
        await _add_or_update_stream(js, config)

    defaults = WorkerSettings()
    for service in Service:
        spec = topology.consumer(service)
        worker = (workers or {}).get(service, defaults)
        await js.add_consumer(spec.stream, consumer_config(spec, worker))

    await _ensure_kv(js, topology.fusion_bucket, ttl_s=bus.stream_max_age_s)
    await _ensure_kv(js, topology.text_bucket, ttl_s=bus.stream_max_age_s)
    await _ensure_kv(js, topology.jobs_bucket, ttl_s=bus.stream_max_age_s)
    await _ensure_kv(js, topology.scores_bucket, ttl_s=bus.stream_max_age_s)
    try:
        await js.object_store(topology.media_bucket)
    except nats.js.errors.NotFoundError:
        await js.create_object_store(topology.media_bucket)


async def _add_or_update_stream(js: JetStreamContext, config: StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except nats.js.errors.NotFoundError:
        try:
            await js.add_stream(config)
            return
        except nats.js.errors.BadRequestError:
            pass  # a concurrent starter created it first
    await js.update_stream(config)


async def _ensure_kv(js: JetStreamContext, bucket: str, ttl_s: float) -> None:
    try:
        await js.key_value(bucket)
    except nats.js.errors.BucketNotFoundError:
        await js.create_key_value(bucket=bucket, history=1, ttl=ttl_s)
