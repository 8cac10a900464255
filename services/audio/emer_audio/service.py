"""The audio service: a thin bus handler around ``AudioAnalyzer``.

Besides its clue report it always publishes a transcript message (empty when there is no
speech), so the text service can answer clips that have no subtitle.
"""

from __future__ import annotations

from collections.abc import Sequence

from emer_audio.analyzer import AudioAnalyzer
from emer_audio.settings import AudioSettings
from emer_common.bus.errors import Retry
from emer_common.bus.publish import publish
from emer_common.clue_service import CluePublisher, analyze_media, media_failure
from emer_common.contracts import ClipJob, ErrorInfo, Modality, Transcript
from emer_common.findings import SpeechTranscript
from emer_common.logging_setup import set_log_service
from emer_common.media import MediaError
from emer_common.metrics import model_load
from emer_common.runtime import Bus, Runnable, run_service
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_common.tracing import configure_tracing


def build_workers(bus: Bus, analyzer: AudioAnalyzer, common: CommonConfig) -> Sequence[Runnable]:
    publisher = CluePublisher(bus, Modality.AUDIO)
    resolver = common.resolver(bus)

    async def publish_transcript(
        job: ClipJob, speech: SpeechTranscript | None, error: ErrorInfo | None
    ) -> None:
        message = Transcript(
            job=job,
            text=speech.text if speech else "",
            language=speech.language if speech else None,
            words=speech.words if speech else (),
            model=speech.model if speech else None,
            error=error,
        )
        subject = bus.topology.transcript_subject(job.job_id, job.clip_id)
        await publish(bus.js, subject, message, msg_id=f"transcript.{job.key}")

    async def handle(job: ClipJob) -> Retry | None:
        if Modality.AUDIO not in job.modalities:
            return None
        try:
            (findings, speech), elapsed = await analyze_media(resolver, job, analyzer.analyze)
        except MediaError as error:
            findings, speech, elapsed = media_failure(job, error), None, 0.0
        await publish_transcript(job, speech, findings.error)
        await publisher.publish(job, findings, elapsed)
        return None

    async def on_dead_letter(job: ClipJob, error: ErrorInfo) -> None:
        await publish_transcript(job, None, error)
        await publisher.publish_failure(job, error)

    return [common.pull_worker(bus, Consumer.AUDIO, ClipJob, handle, on_dead_letter)]


async def serve(settings: AudioSettings, common: CommonConfig) -> None:
    set_log_service("audio")
    configure_tracing("audio")

    async def setup(bus: Bus) -> Sequence[Runnable]:
        with model_load("audio", settings.asr_backend):
            analyzer = AudioAnalyzer.from_settings(settings)
        return build_workers(bus, analyzer, common)

    await run_service("audio", common.bus, setup, settings)
