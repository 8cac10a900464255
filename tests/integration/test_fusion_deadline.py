"""Fusion's modality deadline: wait while a modality's service works through a backlog,
fuse without it once it stands still, and name what is missing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path

import nats.js.errors
import pytest

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.bus.errors import Retry
from emer_common.bus.publish import publish
from emer_common.contracts import (
    ClipJob,
    ClipResult,
    ClueReport,
    ClueStatus,
    EmotionLabel,
    MediaRef,
    Modality,
    decode,
)
from emer_common.runtime import Bus
from emer_common.services import Consumer
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.fuse import FusionOutput
from emer_fusion.service import FusionJoin
from emer_fusion.settings import FusionSettings
from tests.conftest import SAMPLES
from tests.integration.waiting import wait_last_msg

pytestmark = pytest.mark.integration


class FixedFuser:
    vocabulary = EmotionVocabulary.default()

    def fuse(
        self, clues: Mapping[Modality, ClueReport], missing: tuple[Modality, ...] = ()
    ) -> FusionOutput:
        return FusionOutput("fused", (EmotionLabel(label="sad"),), (), "test")


class FakeProgress:
    def __init__(self, at: float, backlog: int = 0) -> None:
        self.at = at
        self.queued = backlog

    async def last_progress(self, services: tuple[Consumer, ...]) -> float:
        return self.at

    async def backlog(self, consumer: Consumer) -> int:
        return self.queued


def ok_report(job: ClipJob, modality: Modality = Modality.VISUAL) -> ClueReport:
    """An ok report of ``modality`` (for tests that need some report to arrive)."""
    return ClueReport(
        job_id=job.job_id,
        clip_id=job.clip_id,
        modality=modality,
        status=ClueStatus.OK,
        job=job,
        description=f"In the {modality.value}, ...",
        emotion_hints={"sad": 0.5},
    )


def text_report(job: ClipJob) -> ClueReport:
    return ClueReport(
        job_id=job.job_id,
        clip_id=job.clip_id,
        modality=Modality.TEXT,
        status=ClueStatus.OK,
        job=job,
        description="In the text, ...",
        emotion_hints={"sad": 0.5},
    )


def sample_job(clip: str) -> ClipJob:
    return ClipJob(
        job_id="dl",
        clip_id=clip,
        source="worried_call.mp4",
        media=MediaRef(kind="path", path=str(SAMPLES / "worried_call.mp4")),
        subtitle="Nobody has called me back.",
    )


async def test_a_modality_that_keeps_progressing_is_waited_for(bus: Bus) -> None:
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    settings = FusionSettings(modality_deadline_s=2.0)
    busy = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() + 3600))
    job = sample_job("busy")
    outcome = await busy.handle(text_report(job))
    assert isinstance(outcome, Retry) and "visual" in outcome.reason

    still = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() - 3600))
    await asyncio.sleep(2.1)  # past the deadline counted from the clip's first report
    assert await still.handle(text_report(job)) is None  # fused, acked
    msg = await bus.js.get_last_msg(
        bus.topology.results_stream, bus.topology.result_subject("dl", "busy")
    )
    result = decode(ClipResult, msg.data)
    assert result.missing_modalities == (Modality.VISUAL, Modality.AUDIO)
    assert {e.code for e in result.errors} == {"modality_missing"}


async def test_a_report_queued_in_fusions_own_backlog_is_waited_for(bus: Bus) -> None:
    """Found by the chaos harness: with a slow fusion in a large batch, audio had finished
    and published every report (so it showed no progress), the reports sat in fusion's own
    queue, and the last clips were fused with audio named missing."""
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    settings = FusionSettings(modality_deadline_s=0.5)
    job = sample_job("queued")
    queued = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() - 3600, 7))
    await queued.handle(text_report(job))
    await asyncio.sleep(0.6)  # past the deadline, and the audio service long idle
    outcome = await queued.handle(text_report(job))
    assert isinstance(outcome, Retry) and "backlog" in outcome.reason
    empty = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() - 3600, 0))
    assert await empty.handle(text_report(job)) is None  # nothing queued: fused without it


async def test_stopped_services_are_named_missing_in_the_result(bus: Bus, tmp_path: Path) -> None:
    """Only text and fusion run: visual and audio never answer, nothing progresses."""
    services = ServiceProcesses(
        bus_env=client_env(bus.settings),
        prefix=bus.topology.prefix,
        allowed_roots=(SAMPLES,),
        log_dir=tmp_path / "logs",
        services=("text", "fusion"),
        extra_env={"EMER_FUSION_MODALITY_DEADLINE_S": "3", "EMER_FUSION_RECHECK_INTERVAL_S": "0.5"},
    )
    services.start()
    try:
        job = sample_job("deadline")
        await publish(bus.js, bus.topology.job_subject("dl", "deadline"), job, "job.dl.deadline")
        subject = bus.topology.result_subject("dl", "deadline")
        msg = await wait_last_msg(bus, services, bus.topology.results_stream, subject)
        result = decode(ClipResult, msg.data)
        assert set(result.missing_modalities) == {Modality.VISUAL, Modality.AUDIO}
        assert result.clues[Modality.TEXT].status is ClueStatus.OK
        assert "No visual clues were available" in result.explanation
        assert result.labels
    finally:
        services.stop()


async def test_a_clip_no_service_reports_on_still_gets_a_result(bus: Bus) -> None:
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    settings = FusionSettings(modality_deadline_s=0.5)
    join = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() - 3600))
    job = sample_job("silent")
    first = await join.handle_job(job)
    assert isinstance(first, Retry) and first.delay_s > settings.recheck_interval_s / 10
    await asyncio.sleep(0.6)
    assert await join.handle_job(job) is None
    msg = await bus.js.get_last_msg(
        bus.topology.results_stream, bus.topology.result_subject("dl", "silent")
    )
    result = decode(ClipResult, msg.data)
    assert set(result.missing_modalities) == {Modality.VISUAL, Modality.AUDIO, Modality.TEXT}
    assert result.labels == ()  # nothing was seen, so nothing is guessed
    assert "No visual clues were available" in result.explanation


async def test_the_job_hands_a_clip_over_once_a_report_is_stored(bus: Bus) -> None:
    kv = await bus.js.key_value(bus.topology.fusion_bucket)
    settings = FusionSettings(modality_deadline_s=0.5)
    join = FusionJoin(bus, kv, FixedFuser(), settings, FakeProgress(time.time() - 3600))
    job = sample_job("reported")
    assert isinstance(await join.handle(text_report(job)), Retry)
    assert await join.handle_job(job) is None  # acked: the report's rechecks carry the clip
    with pytest.raises(nats.js.errors.NotFoundError):
        await bus.js.get_last_msg(
            bus.topology.results_stream, bus.topology.result_subject("dl", "reported")
        )
