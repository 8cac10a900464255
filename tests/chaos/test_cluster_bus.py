"""emer's bus layer on a real 3-node JetStream cluster: replicated streams, declarations
while the leader is elected, and a worker that outlives the NATS node it talks to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial

import pytest

from emer_common.bus.outage import patiently
from emer_common.bus.publish import publish
from emer_common.bus.worker import PullWorker
from emer_common.contracts import ClipJob, MediaRef
from emer_common.runtime import Bus, close_bus, open_bus
from emer_common.services import Consumer
from emer_common.settings import WorkerSettings
from tests.chaos.cluster import NatsCluster

pytestmark = pytest.mark.integration

JOBS = 20
SETTINGS = WorkerSettings(ack_wait_s=5.0, fetch_timeout_s=0.5, heartbeat_s=1.0)


@pytest.fixture
def cluster() -> Iterator[NatsCluster]:
    with NatsCluster() as running:
        yield running


def job(index: int) -> ClipJob:
    clip = f"c{index:02d}"
    return ClipJob(job_id="j", clip_id=clip, source=clip, media=MediaRef(kind="path", path="/x"))


async def submit(bus: Bus, index: int) -> None:
    message = job(index)
    subject = bus.topology.job_subject(message.job_id, message.clip_id)
    await publish(bus.js, subject, message, f"job.{message.key}")


async def test_replicated_topology_and_a_worker_that_outlives_a_node(cluster: NatsCluster) -> None:
    # declared right after start: the meta leader is still being elected
    bus = await open_bus(cluster.bus_settings("clu", replicas=3), "emer-test")
    try:
        for stream in (bus.topology.jobs_stream, bus.topology.clues_stream):
            info = await bus.js.stream_info(stream)
            assert info.config.num_replicas == 3
            assert info.cluster is not None and len(info.cluster.replicas or []) == 2
        spec = bus.topology.consumer(Consumer.VISUAL)
        assert (await bus.js.consumer_info(spec.stream, spec.durable)).config.num_replicas in (0, 3)

        handled: set[str] = set()

        async def handler(message: ClipJob) -> None:
            handled.add(message.clip_id)

        worker = PullWorker(bus.js, bus.topology, spec, ClipJob, handler, SETTINGS, "visual")
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        for index in range(JOBS // 2):
            await submit(bus, index)
        async with asyncio.timeout(30):
            while len(handled) < JOBS // 2:
                await asyncio.sleep(0.1)

        leader = (await bus.js.stream_info(bus.topology.jobs_stream)).cluster
        assert leader is not None and leader.leader is not None
        node = cluster.node(leader.leader)
        cluster.kill_node(node)
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.start_node, node)
        for index in range(JOBS // 2, JOBS):  # waits out the election, as the CLI does
            await patiently(partial(submit, bus, index), "test", timeout_s=60)
        async with asyncio.timeout(90):
            while len(handled) < JOBS:
                assert not running.done(), "the worker stopped when its NATS node went away"
                await asyncio.sleep(0.2)
        assert worker.stats.dead_lettered == 0
        stop.set()
        await running
    finally:
        await close_bus(bus)
