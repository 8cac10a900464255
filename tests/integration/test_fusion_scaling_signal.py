"""What fusion scales on: clips ready to fuse, not the lag of reports it has parked.

KEDA's nats-jetstream scaler reads a consumer's lag as pending + ack-pending messages. The
first half shows, on a real nats-server with a real fusion worker, that this lag counts the
reports fusion parked while their clips wait for another modality (measured on main: 6 for
three clips fusion can do nothing with); the rest checks emer_fusion_clips_ready, which
counts only clips whose reports are all in, or whose deadline has come.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence

import nats.js.errors
import pytest
from prometheus_client.parser import text_string_to_metric_families

from emer_common.bus.publish import publish
from emer_common.contracts import Modality
from emer_common.metrics import exposition
from emer_common.runtime import Bus, Runnable
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_fusion.readiness import ClipCounts, ReadyClips, ReadyClipsGauge
from emer_fusion.service import build_workers
from emer_fusion.settings import FusionSettings
from tests.integration.test_fusion_deadline import (
    FakeProgress,
    FixedFuser,
    ok_report,
    sample_job,
)

pytestmark = pytest.mark.integration

JOB = "dl"  # sample_job's job id
CLIPS = ("c1", "c2", "c3")
POLL_S = 0.1
# Long enough that no clip here is fused for its deadline while the test runs.
SETTINGS = FusionSettings(modality_deadline_s=3600, recheck_interval_s=0.3)


async def send(bus: Bus, clip: str, modality: Modality) -> None:
    subject = bus.topology.clue_subject(JOB, clip, modality.value)
    await publish(bus.js, subject, ok_report(sample_job(clip), modality), f"clue.{clip}.{modality}")


@contextlib.asynccontextmanager
async def running(workers: Sequence[Runnable]) -> AsyncIterator[None]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def until(check: Callable[[], object], timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not await check():  # type: ignore[misc]
            await asyncio.sleep(POLL_S)


async def keda_lag(bus: Bus) -> tuple[int, int]:
    """(pending, ack pending) of fusion's consumer; KEDA scales on their sum."""
    spec = bus.topology.consumer(Consumer.FUSION)
    info = await bus.js.consumer_info(spec.stream, spec.durable)
    return int(info.num_pending or 0), int(info.num_ack_pending or 0)


def gauge(name: str) -> float:
    return next(
        s.value
        for family in text_string_to_metric_families(exposition().decode())
        for s in family.samples
        if s.name == name
    )


async def fused(bus: Bus, clip: str) -> bool:
    try:
        await bus.js.get_last_msg(
            bus.topology.results_stream, bus.topology.result_subject(JOB, clip)
        )
    except nats.js.errors.NotFoundError:
        return False
    return True


def signal_of(workers: Sequence[Runnable]) -> ReadyClipsGauge:
    return next(w for w in workers if isinstance(w, ReadyClipsGauge))


async def test_fusion_scales_on_ready_clips_not_on_parked_reports(bus: Bus) -> None:
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    common = CommonConfig(bus=bus.settings)
    workers = build_workers(bus, kv, FixedFuser(), SETTINGS, common)
    signal = signal_of(workers)

    async with running(workers):
        for clip in CLIPS:
            for modality in (Modality.TEXT, Modality.AUDIO):
                await send(bus, clip, modality)

        async def all_parked() -> bool:
            keys = await kv.keys() if await keda_lag(bus) == (0, 6) else []
            return sum(k.endswith(".first") for k in keys) == len(CLIPS)

        await until(all_parked)
        # The signal on main: six parked reports read as six messages of work...
        pending, ack_pending = await keda_lag(bus)
        assert pending + ack_pending == 6
        # ...while there is no clip fusion could fuse: each waits for its visual report.
        assert await signal.update() == ClipCounts(ready=0, waiting=3)
        assert (gauge("emer_fusion_clips_ready"), gauge("emer_fusion_clips_waiting")) == (0, 3)

    # Fusion stopped: two clips' last reports arrive and wait in the stream, undelivered.
    await send(bus, "c1", Modality.VISUAL)
    await send(bus, "c2", Modality.VISUAL)
    assert await signal.update() == ClipCounts(ready=2, waiting=1)
    assert gauge("emer_fusion_clips_ready") == 2

    async with running(workers):
        await until(lambda: fused(bus, "c1"))
        await until(lambda: fused(bus, "c2"))
        assert await signal.update() == ClipCounts(ready=0, waiting=1)
        assert not await fused(bus, "c3")

    # c3's visual service has made no progress for an hour, and the clip was first seen more
    # than a millisecond ago: with that deadline, c3 is ready (fused without visual).
    stalled = ReadyClips(bus.js, kv, bus.topology, FakeProgress(time.time() - 3600), 0.001)
    assert await stalled.count() == ClipCounts(ready=1, waiting=0)


async def test_a_message_that_is_not_a_clue_report_is_not_a_clip(bus: Bus) -> None:
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    await bus.js.publish(bus.topology.clue_subject(JOB, "bad", "text"), b"not a report")
    for modality in (Modality.TEXT, Modality.AUDIO, Modality.VISUAL):
        await send(bus, "whole", modality)
    counter = ReadyClips(bus.js, kv, bus.topology, FakeProgress(time.time()), 3600)
    # nothing fused yet, no report delivered to fusion: "whole" is ready from the stream alone
    assert await counter.count() == ClipCounts(ready=1, waiting=0)
