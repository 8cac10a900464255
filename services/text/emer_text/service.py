"""The text service: subtitles from the job, or the audio service's transcript.

Two consumers: clip jobs (answered at once when a subtitle exists, or when there is no audio
to wait for) and transcripts (answered for clips without a subtitle). Nothing here waits: a
clip whose transcript never comes gets its "no text" report from fusion's modality deadline
(``emer_fusion.text_source``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from emer_common.bus.errors import Retry
from emer_common.clue_service import CluePublisher
from emer_common.contracts import ClipJob, ErrorInfo, Modality, Transcript
from emer_common.logging_setup import set_log_service
from emer_common.metrics import model_load
from emer_common.runtime import Bus, Runnable, run_service
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_common.subtitle_store import subtitle_text
from emer_common.tracing import configure_tracing
from emer_text.analyzer import TextAnalyzer
from emer_text.settings import TextSettings


def build_workers(bus: Bus, analyzer: TextAnalyzer, common: CommonConfig) -> Sequence[Runnable]:
    publisher = CluePublisher(bus, Modality.TEXT)

    async def answer(job: ClipJob, text: str | None, source: str, language: str | None) -> None:
        start = time.perf_counter()
        findings = await asyncio.to_thread(analyzer.analyze, text, source, language)
        await publisher.publish(job, findings, time.perf_counter() - start)

    async def handle_job(job: ClipJob) -> Retry | None:
        if Modality.TEXT not in job.modalities:
            return None
        if job.has_subtitle:
            # a long subtitle comes by reference, from the Object Store
            await answer(job, await subtitle_text(bus.js, job), "subtitle", job.language)
        elif Modality.AUDIO not in job.modalities:
            await answer(job, None, "subtitle", job.language)
        # else: answered when the audio transcript arrives
        return None

    async def handle_transcript(transcript: Transcript) -> Retry | None:
        job = transcript.job
        if Modality.TEXT in job.modalities and not job.has_subtitle:
            await answer(job, transcript.text, "transcript", transcript.language or job.language)
        return None

    async def transcript_failed(transcript: Transcript, error: ErrorInfo) -> None:
        await publisher.publish_failure(transcript.job, error)

    return [
        common.pull_worker(bus, Consumer.TEXT, ClipJob, handle_job, publisher.publish_failure),
        common.pull_worker(
            bus, Consumer.TEXT_TRANSCRIPTS, Transcript, handle_transcript, transcript_failed
        ),
    ]


async def serve(settings: TextSettings, common: CommonConfig) -> None:
    set_log_service("text")
    configure_tracing("text")

    async def setup(bus: Bus) -> Sequence[Runnable]:
        with model_load("text", "+".join(settings.backends)):
            analyzer = TextAnalyzer.from_settings(settings)
        return build_workers(bus, analyzer, common)

    await run_service("text", common.bus, setup, settings)
