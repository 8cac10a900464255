"""Delivery semantics of PullWorker against a real nats-server."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from emer_common.bus.errors import PermanentError, Retry, TransientError
from emer_common.bus.publish import publish
from emer_common.bus.topology import Service
from emer_common.bus.worker import PullWorker
from emer_common.contracts import ClipJob, DeadLetter, ErrorInfo, MediaRef, decode
from emer_common.runtime import Bus
from emer_common.settings import WorkerSettings

pytestmark = pytest.mark.integration

FAST = WorkerSettings(
    ack_wait_s=2.0, max_deliver=3, backoff_s=(0.1,), fetch_timeout_s=0.2, heartbeat_s=0.5
)


def job(clip: str) -> ClipJob:
    return ClipJob(job_id="j1", clip_id=clip, source=clip, media=MediaRef(kind="path", path="/x"))


@dataclass
class Recorder:
    seen: list[tuple[str, int]]


async def run_until(worker: PullWorker[ClipJob], condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


async def dead_letters(bus: Bus) -> list[DeadLetter]:
    sub = await bus.js.pull_subscribe(
        f"{bus.topology.prefix}.dlq.>",
        stream=bus.topology.dlq_stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    try:
        msgs = await sub.fetch(100, timeout=1)
    except Exception:
        msgs = []
    await sub.unsubscribe()
    return [decode(DeadLetter, m.data) for m in msgs]


def make_worker(bus: Bus, handler, hook=None) -> PullWorker[ClipJob]:  # type: ignore[no-untyped-def]
    spec = bus.topology.consumer(Service.VISUAL)
    return PullWorker(bus.js, bus.topology, spec, ClipJob, handler, FAST, "visual", hook)


async def test_success_is_acked_once_and_duplicates_are_dropped(bus: Bus) -> None:
    seen: list[str] = []

    async def handler(message: ClipJob) -> None:
        seen.append(message.clip_id)

    for _ in range(3):  # same Nats-Msg-Id: the stream keeps one
        await publish(bus.js, bus.topology.job_subject("j1", "a"), job("a"), "job.j1.a")
    worker = make_worker(bus, handler)
    await run_until(worker, lambda: worker.stats.acked >= 1)
    await asyncio.sleep(0.5)
    assert seen == ["a"]


async def test_retry_and_transient_errors_are_redelivered(bus: Bus) -> None:
    calls: list[int] = []

    async def handler(message: ClipJob) -> Retry | None:
        calls.append(1)
        if len(calls) == 1:
            return Retry(0.1, "waiting")
        if len(calls) == 2:
            raise TransientError("backend restarting")
        return None

    await publish(bus.js, bus.topology.job_subject("j1", "b"), job("b"), "job.j1.b")
    worker = make_worker(bus, handler)
    await run_until(worker, lambda: worker.stats.acked >= 1)
    assert len(calls) == 3
    assert worker.stats.retried == 1 and worker.stats.failed == 1


async def test_permanent_error_dead_letters_and_calls_hook(bus: Bus) -> None:
    hooked: list[ErrorInfo] = []

    async def handler(message: ClipJob) -> None:
        raise PermanentError("corrupt_media", "not a video")

    async def hook(message: ClipJob, error: ErrorInfo) -> None:
        hooked.append(error)

    await publish(bus.js, bus.topology.job_subject("j1", "c"), job("c"), "job.j1.c")
    worker = make_worker(bus, handler, hook)
    await run_until(worker, lambda: worker.stats.dead_lettered >= 1)
    letters = await dead_letters(bus)
    assert [d.error.code for d in letters] == ["corrupt_media"]
    assert letters[0].clip_id == "c" and hooked[0].code == "corrupt_media"


async def test_exhausted_transient_errors_and_poison_messages_dead_letter(bus: Bus) -> None:
    async def handler(message: ClipJob) -> None:
        raise RuntimeError("bug")

    await publish(bus.js, bus.topology.job_subject("j1", "d"), job("d"), "job.j1.d")
    await bus.js.publish(bus.topology.job_subject("j1", "poison"), b"{not json")
    worker = make_worker(bus, handler)
    await run_until(worker, lambda: worker.stats.dead_lettered >= 2)
    codes = sorted(d.error.code for d in await dead_letters(bus))
    assert codes == ["invalid_message", "unexpected_error_exhausted"]


async def test_heartbeat_keeps_long_work_from_being_redelivered(bus: Bus) -> None:
    calls: list[int] = []

    async def handler(message: ClipJob) -> None:
        calls.append(1)
        await asyncio.sleep(FAST.ack_wait_s * 2)  # longer than ack_wait

    await publish(bus.js, bus.topology.job_subject("j1", "e"), job("e"), "job.j1.e")
    worker = make_worker(bus, handler)
    await run_until(worker, lambda: worker.stats.acked >= 1)
    assert len(calls) == 1
