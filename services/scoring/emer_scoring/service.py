"""The scoring service: scores every result that carries references, keeps job aggregates.

Per-clip scores go to the scores stream; the running per-job means live in the scores KV
bucket under the job id, updated with optimistic concurrency so replicas can share a job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import nats.js.errors
from nats.js.kv import KeyValue

from emer_common.bus.errors import Retry
from emer_common.bus.publish import publish
from emer_common.contracts import ClipResult, Score
from emer_common.errors import TransientError
from emer_common.logging_setup import set_log_service
from emer_common.runtime import Bus, Runnable, run_service
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_common.tracing import configure_tracing
from emer_scoring.scorer import JobAggregate, ResultScorer
from emer_scoring.settings import ScoringSettings

AGGREGATE_RETRIES = 5


async def add_to_aggregate(kv: KeyValue, result: ClipResult, scores: Sequence[Score]) -> None:
    """Read-modify-write the job's aggregate; a lost race re-reads and retries."""
    for _attempt in range(AGGREGATE_RETRIES):
        try:
            entry = await kv.get(result.job_id)
            aggregate = JobAggregate.from_json(entry.value or b"{}")
            revision: int | None = entry.revision
        except nats.js.errors.KeyNotFoundError:
            aggregate, revision = JobAggregate(result.job_id), None
        if not aggregate.add(result.clip_id, scores):
            return  # this clip was already counted (redelivery)
        try:
            if revision is None:
                await kv.create(result.job_id, aggregate.to_json())
            else:
                await kv.update(result.job_id, aggregate.to_json(), last=revision)
            return
        except nats.js.errors.KeyWrongLastSequenceError:
            continue
    raise TransientError(f"job aggregate {result.job_id} kept changing under us")


def build_workers(
    bus: Bus, kv: KeyValue, scorer: ResultScorer, common: CommonConfig
) -> Sequence[Runnable]:
    async def handle(result: ClipResult) -> Retry | None:
        scores = await asyncio.to_thread(scorer.score, result)
        if not scores:
            return None
        for score in scores:
            subject = bus.topology.score_subject(result.job_id, result.clip_id)
            await publish(
                bus.js,
                subject,
                score,
                msg_id=f"score.{result.job_id}.{result.clip_id}.{score.metric}",
            )
        await add_to_aggregate(kv, result, scores)
        return None

    return [common.pull_worker(bus, Consumer.SCORING, ClipResult, handle)]


async def serve(settings: ScoringSettings, common: CommonConfig) -> None:
    set_log_service("scoring")
    configure_tracing("scoring")

    async def setup(bus: Bus) -> Sequence[Runnable]:
        scorer = await asyncio.to_thread(ResultScorer.from_settings, settings)
        kv = await bus.key_value(bus.topology.scores_bucket)
        return build_workers(bus, kv, scorer, common)

    await run_service("scoring", common.bus, setup, settings)
