"""Names of every stream, subject, consumer and bucket, derived from one prefix.

A prefix per deployment (default ``emer``) lets several deployments, or parallel tests,
share one NATS server without seeing each other's messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    ConsumerInfo,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from emer_common.errors import TransientError
from emer_common.services import Consumer, owner
from emer_common.settings import BusSettings, WorkerSettings

log = logging.getLogger(__name__)

ONE_MIB = 1024 * 1024


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer that all replicas of one service share."""

    stream: str
    durable: str
    filter_subject: str
    service: str
    """The service that owns the consumer: it alone sets the consumer's configuration."""
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
    def scores_bucket(self) -> str:
        return f"{self.prefix}_scores"

    @property
    def media_bucket(self) -> str:
        return f"{self.prefix}_media"

    # -- consumers -------------------------------------------------------------------
    def consumer(self, consumer: Consumer) -> ConsumerSpec:
        durable = f"{self.prefix}-{consumer.value}"
        service = owner(consumer).name
        if consumer in (Consumer.VISUAL, Consumer.AUDIO, Consumer.TEXT):
            return ConsumerSpec(self.jobs_stream, durable, self.job_subject(), service)
        if consumer is Consumer.TEXT_TRANSCRIPTS:
            return ConsumerSpec(self.clues_stream, durable, self.transcript_subject(), service)
        if consumer is Consumer.FUSION_JOBS:
            return ConsumerSpec(
                self.jobs_stream,
                durable,
                self.job_subject(),
                service,
                unlimited_deliveries=True,
            )
        if consumer is Consumer.FUSION:
            return ConsumerSpec(
                self.clues_stream,
                durable,
                self.clue_subject(),
                service,
                unlimited_deliveries=True,
            )
        return ConsumerSpec(self.results_stream, durable, self.result_subject(), service)


def consumer_config(spec: ConsumerSpec, worker: WorkerSettings) -> ConsumerConfig:
    """The server-side configuration of a consumer, from its owner's worker settings."""
    # One delivery more than the worker's attempts: a message seen past its last attempt
    # has crashed every worker that took it, and is dead-lettered unprocessed.
    max_deliver = -1 if spec.unlimited_deliveries else worker.max_deliver + 1
    return ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        description=f"emer {spec.service} service",
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=worker.ack_wait_s,
        max_deliver=max_deliver,
        filter_subject=spec.filter_subject,
        max_ack_pending=10_000,
        # The worker naks with these delays itself (a server-side backoff would also replace
        # ack_wait); they are recorded here so that operators see them in `consumer info`.
        metadata={
            "emer.service": spec.service,
            BACKOFF_METADATA: ",".join(f"{delay:g}" for delay in worker.backoff_s),
        },
    )


BACKOFF_METADATA = "emer.backoff_s"


async def ensure_consumer(
    js: JetStreamContext, spec: ConsumerSpec, worker: WorkerSettings
) -> ConsumerInfo:
    """Create or update a consumer from its owner's settings (called by the owner only)."""
    return await js.add_consumer(spec.stream, consumer_config(spec, worker))


async def declare_consumer(
    js: JetStreamContext, spec: ConsumerSpec, worker: WorkerSettings
) -> None:
    """Create a consumer that does not exist yet; never change one that does.

    Interest-retention streams drop messages nobody is subscribed to, so every consumer must
    exist before the first job is published, also while its service is scaled to zero. Only
    its owner configures it (``ensure_consumer``); the server's "create" action makes this
    safe against an owner that starts at the same moment.
    """
    request = {"stream_name": spec.stream, "config": consumer_config(spec, worker).as_dict()}
    request["action"] = "create"
    subject = f"{js._prefix}.CONSUMER.CREATE.{spec.stream}.{spec.durable}.{spec.filter_subject}"
    try:
        await js._api_request(subject, json.dumps(request).encode(), timeout=js._timeout)
    except nats.js.errors.APIError as error:
        if error.err_code != CONSUMER_ALREADY_EXISTS:
            raise


# JetStream API error codes
CONSUMER_ALREADY_EXISTS = 10148
STREAM_NAME_IN_USE = 10058
# no suitable peers yet, temporarily unavailable, insufficient resources: a cluster whose
# nodes are still finding each other or electing a meta leader
JETSTREAM_NOT_READY_CODES = frozenset({10005, 10008, 10023})


async def ensure_topology(
    js: JetStreamContext,
    topology: Topology,
    bus: BusSettings,
    worker_defaults: WorkerSettings | None = None,
) -> None:
    """Declare every stream, bucket and the object store, and create missing consumers.

    Safe to call concurrently and repeatedly (``emer bus init``, every process at start).
    Existing consumers are left as their owners configured them. On a cluster whose
    JetStream meta leader is still being elected, retries until ``bus.declare_timeout_s``.
    """
    deadline = time.monotonic() + bus.declare_timeout_s
    attempt = 0
    while True:
        attempt += 1
        try:
            await _declare(js, topology, bus, worker_defaults or WorkerSettings())
            return
        except (
            nats.js.errors.ServiceUnavailableError,
            nats.errors.TimeoutError,
            nats.js.errors.APIError,
        ) as error:
            if not _jetstream_not_ready(error):
                raise
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"JetStream did not accept emer's streams within {bus.declare_timeout_s:g} s "
                    f"({error!s}); check that the NATS servers run with JetStream enabled and "
                    "that a majority of a cluster's nodes are up"
                ) from error
            log.warning(
                "JetStream is not ready yet (a cluster may still be electing its leader: %s); "
                "retrying the stream declarations (attempt %d)",
                error,
                attempt,
            )
            await asyncio.sleep(min(0.5 * attempt, 5.0))


def _jetstream_not_ready(error: Exception) -> bool:
    if isinstance(error, nats.js.errors.ServiceUnavailableError | nats.errors.TimeoutError):
        return True
    return isinstance(error, nats.js.errors.APIError) and (
        error.err_code in JETSTREAM_NOT_READY_CODES or error.code == 503
    )


async def _declare(
    js: JetStreamContext, topology: Topology, bus: BusSettings, worker: WorkerSettings
) -> None:
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

    for consumer in Consumer:
        await declare_consumer(js, topology.consumer(consumer), worker)

    for bucket in (
        topology.fusion_bucket,
        topology.scores_bucket,
    ):
        await _ensure_kv(js, bucket, ttl_s=bus.stream_max_age_s, replicas=bus.stream_replicas)
    try:
        await js.object_store(topology.media_bucket)
    except nats.js.errors.NotFoundError:
        # uploads and long subtitles expire with the streams' age, so an interrupted run
        # (whose objects are never deleted) cannot fill the store
        await js.create_object_store(
            topology.media_bucket, ttl=bus.stream_max_age_s, replicas=bus.stream_replicas
        )


async def _add_or_update_stream(js: JetStreamContext, config: StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except nats.js.errors.NotFoundError:
        try:
            await js.add_stream(config)
            return
        except nats.js.errors.BadRequestError as error:
            if error.err_code != STREAM_NAME_IN_USE:
                raise
            # a concurrent starter created it first
    await js.update_stream(config)


async def _ensure_kv(js: JetStreamContext, bucket: str, ttl_s: float, replicas: int) -> None:
    try:
        await js.key_value(bucket)
    except nats.js.errors.BucketNotFoundError:
        await js.create_key_value(bucket=bucket, history=1, ttl=ttl_s, replicas=replicas)
