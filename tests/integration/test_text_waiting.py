"""A clip without a subtitle whose transcript never comes gets an explicit "no text" report."""

from __future__ import annotations

from pathlib import Path

import nats.js.errors
import pytest

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.bus.publish import publish
from emer_common.contracts import ClipJob, ClueReport, ClueStatus, MediaRef, decode
from emer_common.runtime import Bus
from tests.conftest import SAMPLES
from tests.integration.waiting import wait_last_msg

pytestmark = pytest.mark.integration


async def test_missing_transcript_ends_in_a_no_text_report(bus: Bus, tmp_path: Path) -> None:
    services = ServiceProcesses(
        bus_env=client_env(bus.settings),
        prefix=bus.topology.prefix,
        allowed_roots=(SAMPLES,),
        log_dir=tmp_path / "logs",
        services=("text",),  # no audio service: no transcript will ever come
        extra_env={"EMER_TEXT_TRANSCRIPT_DEADLINE_S": "2", "EMER_TEXT_SWEEP_INTERVAL_S": "0.5"},
    )
    services.start()
    try:
        job = ClipJob(
            job_id="tw",
            clip_id="nosub",
            source="worried_call.mp4",
            media=MediaRef(kind="path", path=str(SAMPLES / "worried_call.mp4")),
        )
        await publish(bus.js, bus.topology.job_subject("tw", "nosub"), job, "job.tw.nosub")
        subject = bus.topology.clue_subject("tw", "nosub", "text")
        msg = await wait_last_msg(bus, services, bus.topology.clues_stream, subject, 90)
        report = decode(ClueReport, msg.data)
        assert report.status is ClueStatus.NO_SIGNAL
        assert report.error is not None and report.error.code == "no_text"
        assert "no transcript arrived" in report.description
        kv = await bus.js.key_value(bus.topology.text_bucket)
        with pytest.raises(nats.js.errors.KeyNotFoundError):  # the wait was cleared
            await kv.get("tw.nosub")
    finally:
        services.stop()
