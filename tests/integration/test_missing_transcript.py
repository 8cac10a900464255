"""A clip without a subtitle whose transcript never comes gets an explicit "no text" report.

There is one wait, fusion's modality deadline: the text service answers when the transcript
arrives and keeps no state of its own (``emer_fusion.text_source``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.bus.publish import publish
from emer_common.contracts import ClipJob, ClipResult, ClueStatus, MediaRef, Modality, decode
from emer_common.runtime import Bus
from emer_fusion.service import FusionJoin
from emer_fusion.settings import FusionSettings
from tests.conftest import SAMPLES
from tests.integration.test_fusion_deadline import FakeProgress, FixedFuser, ok_report
from tests.integration.waiting import wait_last_msg

pytestmark = pytest.mark.integration


def job_without_subtitle(clip: str) -> ClipJob:
    return ClipJob(
        job_id="tw",
        clip_id=clip,
        source="worried_call.mp4",
        media=MediaRef(kind="path", path=str(SAMPLES / "worried_call.mp4")),
    )


async def test_missing_transcript_ends_in_a_no_text_report(bus: Bus, tmp_path: Path) -> None:
    services = ServiceProcesses(
        bus_env=client_env(bus.settings),
        prefix=bus.topology.prefix,
        allowed_roots=(SAMPLES,),
        log_dir=tmp_path / "logs",
        services=("text", "fusion"),  # no audio service: no transcript will ever come
        extra_env={"EMER_FUSION_MODALITY_DEADLINE_S": "3", "EMER_FUSION_RECHECK_INTERVAL_S": "0.5"},
    )
    services.start()
    try:
        job = job_without_subtitle("nosub")
        await publish(bus.js, bus.topology.job_subject("tw", "nosub"), job, "job.tw.nosub")
        subject = bus.topology.result_subject("tw", "nosub")
        msg = await wait_last_msg(bus, services, bus.topology.results_stream, subject, 120)
        result = decode(ClipResult, msg.data)
        text = result.clues[Modality.TEXT]
        assert text.status is ClueStatus.NO_SIGNAL
        assert text.error is not None and text.error.code == "no_text"
        assert "no transcript arrived" in text.description
        assert set(result.missing_modalities) == {Modality.VISUAL, Modality.AUDIO}
        assert Modality.TEXT not in result.missing_modalities
    finally:
        services.stop()


async def test_text_without_a_transcript_is_waited_for_while_audio_progresses(bus: Bus) -> None:
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    settings = FusionSettings(modality_deadline_s=0.5)
    job = job_without_subtitle("busy-audio")
    busy = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() + 3600))
    first = await busy.handle(ok_report(job))
    assert first is not None and "text" in first.reason and "audio" in first.reason


async def test_text_is_named_missing_when_audio_answered_but_text_did_not(bus: Bus) -> None:
    """Audio finished (so its transcript went out): the text service is what failed."""
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    settings = FusionSettings(modality_deadline_s=0.5)
    job = job_without_subtitle("text-down")
    join = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() - 3600))
    await join.handle(ok_report(job))
    await asyncio.sleep(0.6)
    assert await join.handle(ok_report(job, Modality.AUDIO)) is None
    msg = await bus.js.get_last_msg(
        bus.topology.results_stream, bus.topology.result_subject("tw", "text-down")
    )
    result = decode(ClipResult, msg.data)
    assert result.missing_modalities == (Modality.TEXT,)
    assert Modality.TEXT not in result.clues
