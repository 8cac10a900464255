"""Each service owns its consumer: its settings survive other processes starting later."""

from __future__ import annotations

import asyncio

import pytest

from emer_common.bus.topology import BACKOFF_METADATA, ensure_topology
from emer_common.bus.worker import PullWorker
from emer_common.contracts import ClipJob
from emer_common.runtime import Bus
from emer_common.services import Consumer
from emer_common.settings import WorkerSettings

pytestmark = pytest.mark.integration

VISUAL = WorkerSettings(ack_wait_s=2.0, max_deliver=4, backoff_s=(0.5, 3.0), fetch_timeout_s=0.2)
AUDIO = WorkerSettings(ack_wait_s=30.0, max_deliver=2, backoff_s=(7.0,), fetch_timeout_s=0.2)
OTHER_DEFAULTS = WorkerSettings(ack_wait_s=99.0, max_deliver=9, backoff_s=(9.0,))


async def _idle(message: ClipJob) -> None:
    return None


async def _start(
    bus: Bus, consumer: Consumer, settings: WorkerSettings, stop: asyncio.Event
) -> asyncio.Task[None]:
    spec = bus.topology.consumer(consumer)
    worker = PullWorker(bus.js, bus.topology, spec, ClipJob, _idle, settings, spec.service)
    task = asyncio.create_task(worker.run(stop))
    async with asyncio.timeout(10):  # bound once the worker is fetching
        while not (await bus.js.consumer_info(spec.stream, spec.durable)).num_waiting:
            await asyncio.sleep(0.05)
    return task


async def test_a_service_keeps_its_consumer_settings_when_others_start_later(bus: Bus) -> None:
    stop = asyncio.Event()
    visual = await _start(bus, Consumer.VISUAL, VISUAL, stop)
    # another process starts later: it declares the topology with its own defaults and
    # runs a different service with different settings
    await ensure_topology(bus.js, bus.topology, bus.settings, OTHER_DEFAULTS)
    audio = await _start(bus, Consumer.AUDIO, AUDIO, stop)
    try:
        for consumer, settings in ((Consumer.VISUAL, VISUAL), (Consumer.AUDIO, AUDIO)):
            spec = bus.topology.consumer(consumer)
            config = (await bus.js.consumer_info(spec.stream, spec.durable)).config
            assert config.ack_wait == settings.ack_wait_s, consumer
            assert config.max_deliver == settings.max_deliver + 1, consumer
            assert config.metadata is not None
            assert config.metadata[BACKOFF_METADATA] == ",".join(
                f"{d:g}" for d in settings.backoff_s
            )
            assert config.metadata["emer.service"] == spec.service
    finally:
        stop.set()
        await asyncio.gather(visual, audio)


async def test_topology_creates_missing_consumers_but_never_changes_existing_ones(
    bus: Bus,
) -> None:
    spec = bus.topology.consumer(Consumer.SCORING)
    await bus.js.delete_consumer(spec.stream, spec.durable)
    await ensure_topology(bus.js, bus.topology, bus.settings, OTHER_DEFAULTS)
    created = (await bus.js.consumer_info(spec.stream, spec.durable)).config
    assert (created.ack_wait, created.max_deliver) == (99.0, 10)
    # a second declaration with other defaults leaves it as it is
    await ensure_topology(bus.js, bus.topology, bus.settings, WorkerSettings())
    kept = (await bus.js.consumer_info(spec.stream, spec.durable)).config
    assert (kept.ack_wait, kept.max_deliver) == (99.0, 10)


async def test_objects_expire_with_the_streams_age(bus: Bus) -> None:
    """Uploaded media and long subtitles of a run that never finished do not stay forever."""
    info = await bus.js.stream_info(f"OBJ_{bus.topology.media_bucket}")
    assert info.config.max_age == bus.settings.stream_max_age_s
