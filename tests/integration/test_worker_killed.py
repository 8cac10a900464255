"""A service process killed while it works on a clip: the clip is redelivered, finished once."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.bus.publish import publish
from emer_common.contracts import ClipJob, ClueReport, ClueStatus, MediaRef, Modality, decode
from emer_common.runtime import Bus
from tests.conftest import SAMPLES
from tests.integration.waiting import wait_ready

pytestmark = pytest.mark.integration

ACK_WAIT_S = 3.0


async def wait_for(condition, timeout: float, step: float = 0.01) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(step)


async def test_killed_visual_worker_clip_is_redelivered_and_published_once(
    bus: Bus, tmp_path: Path
) -> None:
    topology = bus.topology
    env = {
        "EMER_WORKER_ACK_WAIT_S": str(ACK_WAIT_S),
        "EMER_WORKER_HEARTBEAT_S": "1",
        "EMER_VISUAL_FRAMES_PER_CLIP": "48",  # long enough work to be killed in the middle
    }

    def start() -> ServiceProcesses:
        services = ServiceProcesses(
            bus_env=client_env(bus.settings),
            prefix=topology.prefix,
            allowed_roots=(SAMPLES,),
            log_dir=tmp_path / "logs",
            services=("visual",),
            extra_env=env,
        )
        services.start()
        return services

    first = start()
    try:
        await wait_ready(first, "visual")
        job = ClipJob(
            job_id="kill",
            clip_id="worried",
            source="worried_call.mp4",
            media=MediaRef(kind="path", path=str(SAMPLES / "worried_call.mp4")),
            modalities=(Modality.VISUAL,),
        )
        await publish(bus.js, topology.job_subject("kill", "worried"), job, "job.kill.worried")

        async def in_flight() -> bool:
            info = await bus.js.consumer_info(topology.jobs_stream, f"{topology.prefix}-visual")
            return bool(info.num_ack_pending)

        await wait_for(in_flight, timeout=30)
        first.processes["visual"].send_signal(signal.SIGKILL)
        first.processes["visual"].wait()
    finally:
        first.stop()

    clue_subject = topology.clue_subject("kill", "worried", "visual")

    async def clue_count() -> int:
        info = await bus.js.stream_info(topology.clues_stream, subjects_filter=clue_subject)
        return int((info.state.subjects or {}).get(clue_subject, 0))

    assert await clue_count() == 0, "the worker finished before it was killed; test invalid"
    second = start()
    try:

        async def published() -> bool:
            return await clue_count() >= 1

        await wait_for(published, timeout=120, step=0.2)
        await asyncio.sleep(ACK_WAIT_S + 1)  # any duplicate redelivery would show by now
        assert await clue_count() == 1
        info = await bus.js.consumer_info(topology.jobs_stream, f"{topology.prefix}-visual")
        assert info.num_ack_pending == 0  # finished and acked by the second process
        msg = await bus.js.get_last_msg(topology.clues_stream, clue_subject)
        report = decode(ClueReport, msg.data)
        assert report.status is ClueStatus.OK and report.clip_id == "worried"
    finally:
        second.stop()
