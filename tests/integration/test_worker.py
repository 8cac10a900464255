"""Delivery semantics of PullWorker against a real nats-server."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from emer_common.bus.errors import Retry
from emer_common.bus.publish import publish
from emer_common.bus.worker import PullWorker
from emer_common.contracts import ClipJob, DeadLetter, ErrorInfo, MediaRef, decode
from emer_common.errors import BackendError, PermanentError, TransientError
from emer_common.runtime import Bus
from emer_common.services import Consumer
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
    spec = bus.topology.consumer(Consumer.VISUAL)
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


async def test_a_permanent_backend_error_is_terminated_at_once_with_its_code(bus: Bus) -> None:
    """Errors from model backends map onto the one tree: an LLM server that rejects the
    request is not retried (it once was, 5 times over about 80 s, as an unexpected error)."""
    calls: list[int] = []
    hooked: list[ErrorInfo] = []

    async def handler(message: ClipJob) -> None:
        calls.append(1)
        raise BackendError("the LLM server rejected the request", False, code="llm_rejected")

    async def hook(message: ClipJob, error: ErrorInfo) -> None:
        hooked.append(error)

    await publish(bus.js, bus.topology.job_subject("j1", "f"), job("f"), "job.j1.f")
    worker = make_worker(bus, handler, hook)
    await run_until(worker, lambda: worker.stats.dead_lettered >= 1)
    assert len(calls) == 1 and worker.stats.failed == 0
    assert hooked == [ErrorInfo(code="llm_rejected", message=hooked[0].message, permanent=True)]
    assert [d.deliveries for d in await dead_letters(bus)] == [1]


async def test_a_transient_backend_error_is_retried_then_dead_lettered_as_retryable(
    bus: Bus,
) -> None:
    async def handler(message: ClipJob) -> None:
        raise BackendError("the LLM server did not answer", transient=True)

    await publish(bus.js, bus.topology.job_subject("j1", "g"), job("g"), "job.j1.g")
    worker = make_worker(bus, handler)
    await run_until(worker, lambda: worker.stats.dead_lettered >= 1)
    (letter,) = await dead_letters(bus)
    assert letter.deliveries == FAST.max_deliver and worker.stats.failed == FAST.max_deliver
    assert letter.error.code == "transient_error_exhausted" and not letter.error.permanent
    assert "did not answer" in letter.error.message


async def test_exhausted_transient_errors_and_poison_messages_dead_letter(bus: Bus) -> None:
    async def handler(message: ClipJob) -> None:
        raise OSError(5, "Input/output error", "/x")  # a bug's exception, errno and all

    await publish(bus.js, bus.topology.job_subject("j1", "d"), job("d"), "job.j1.d")
    await bus.js.publish(bus.topology.job_subject("j1", "poison"), b"{not json")
    worker = make_worker(bus, handler)
    await run_until(worker, lambda: worker.stats.dead_lettered >= 2)
    letters = sorted(await dead_letters(bus), key=lambda d: d.error.code)
    assert [d.error.code for d in letters] == ["invalid_message", "unexpected_error_exhausted"]
    # on main: "... an internal error ([Errno 5] Input/output error: '/x'); see the logs" and
    # pydantic's own text ("1 validation error for ClipJob ... errors.pydantic.dev")
    for letter in letters:
        assert not re.search(r"Errno|OSError|pydantic|Traceback", letter.error.message)
    assert "not a valid ClipJob" in letters[0].error.message
    assert "details in the visual log" in letters[1].error.message


@pytest.mark.parametrize("heartbeats", [True, False], ids=["heartbeats", "no-heartbeats"])
async def test_heartbeat_keeps_long_work_from_being_redelivered(bus: Bus, heartbeats: bool) -> None:
    """The consumer really has the worker's 2 s ack_wait: without heartbeats, work that runs
    twice as long is redelivered (the control case), with them it is not."""
    settings = FAST.model_copy(
        update={"max_in_flight": 2, "heartbeat_s": 0.5 if heartbeats else 60.0}
    )
    calls: list[int] = []

    async def handler(message: ClipJob) -> None:
        calls.append(1)
        await asyncio.sleep(settings.ack_wait_s * 2)  # longer than ack_wait

    await publish(bus.js, bus.topology.job_subject("j1", "e"), job("e"), "job.j1.e")
    spec = bus.topology.consumer(Consumer.VISUAL)
    worker = PullWorker(bus.js, bus.topology, spec, ClipJob, handler, settings, "visual")
    await run_until(worker, lambda: worker.stats.acked >= 1 and not worker._tasks)
    assert len(calls) == (1 if heartbeats else 2)
