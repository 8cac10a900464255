"""The job tracker: collects a job's results and dead letters, keeps its status in KV."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from emer_common.bus.outage import BUS_UNAVAILABLE
from emer_common.contracts import (
    ClipResult,
    DeadLetter,
    JobState,
    JobStatus,
    decode,
    utc_now,
)
from emer_common.runtime import Bus

log = logging.getLogger(__name__)

POLL_TIMEOUT_S = 0.5
OUTAGE_PAUSE_S = 1.0


@dataclass
class JobProgress:
    job_id: str
    expected: set[str]
    results: dict[str, ClipResult] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.expected <= set(self.results)


class JobTracker:
    def __init__(self, bus: Bus, progress: JobProgress, rejected: tuple[str, ...]) -> None:
        self.bus = bus
        self.progress = progress
        self.rejected = rejected
        self.started = utc_now()

    def status(self, state: JobState) -> JobStatus:
        failed = sum(1 for r in self.progress.results.values() if not r.labels)
        return JobStatus(
            job_id=self.progress.job_id,
            state=state,
            total_clips=len(self.progress.expected),
            done_clips=len(self.progress.results),
            failed_clips=failed,
            rejected_inputs=self.rejected,
            started_at=self.started,
        )

    async def run(
        self,
        timeout_s: float,
        on_result: Callable[[ClipResult], None],
        check: Callable[[], None] = lambda: None,
    ) -> JobStatus:
        topology = self.bus.topology
        job = self.progress.job_id
        # Durable (so replicated like their streams: an ephemeral consumer lives on one NATS
        # node and dies with it), named per run of the tracker, removed by the server once idle.
        run = f"cli-{job}-{uuid.uuid4().hex[:8]}"
        results = await self.bus.js.pull_subscribe(
            topology.result_subject(job, "*"),
            durable=f"{run}-results",
            stream=topology.results_stream,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=300),
        )
        letters = await self.bus.js.pull_subscribe(
            topology.dlq_subject("*", job, "*"),
            durable=f"{run}-dead-letters",
            stream=topology.dlq_stream,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=300),
        )
        deadline = time.monotonic() + timeout_s
        try:
            while not self.progress.done:
                check()
                if time.monotonic() > deadline:
                    break
                for msg in await _fetch(results):
                    result = decode(ClipResult, msg.data)
                    await msg.ack()
                    if result.clip_id in self.progress.expected and (
                        result.clip_id not in self.progress.results
                    ):
                        self.progress.results[result.clip_id] = result
                        on_result(result)
                for msg in await _fetch(letters, timeout=0.05):
                    self.progress.dead_letters.append(decode(DeadLetter, msg.data))
                    await msg.ack()
        finally:
            for sub in (results, letters):
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
        return self.status(JobState.DONE if self.progress.done else JobState.FAILED)


async def _fetch(
    sub: JetStreamContext.PullSubscription, batch: int = 64, timeout: float = POLL_TIMEOUT_S
) -> list[Msg]:
    try:
        return await sub.fetch(batch, timeout=timeout)
    except (TimeoutError, nats.errors.TimeoutError):
        return []
    except BUS_UNAVAILABLE as error:
        log.debug("results cannot be read right now (%s); asking again", error)
        await asyncio.sleep(OUTAGE_PAUSE_S)
        return []
