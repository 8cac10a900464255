"""What every clue-extraction service does around its domain code: find the media, run
the analysis off the event loop, and always publish a clue report (also on failure)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from emer_common.bus.publish import publish
from emer_common.contracts import ClipJob, ClueReport, ErrorInfo, Modality
from emer_common.findings import ModalityFindings
from emer_common.media import MediaError, MediaResolver
from emer_common.runtime import Bus

log = logging.getLogger(__name__)

T = TypeVar("T")


def clue_report(
    job: ClipJob, modality: Modality, findings: ModalityFindings, elapsed_s: float | None
) -> ClueReport:
    return ClueReport(
        job_id=job.job_id,
        clip_id=job.clip_id,
        modality=modality,
        status=findings.status,
        job=job,
        description=findings.description,
        cues=findings.cues,
        emotion_hints=findings.emotion_hints,
        evidence=findings.evidence,
        error=findings.error,
        models=findings.models,
        elapsed_s=None if elapsed_s is None else round(elapsed_s, 4),
    )


class CluePublisher:
    """Publishes one modality's reports with a dedupe id per job, clip and modality."""

    def __init__(self, bus: Bus, modality: Modality) -> None:
        self.bus = bus
        self.modality = modality

    async def publish(
        self, job: ClipJob, findings: ModalityFindings, elapsed_s: float | None = None
    ) -> None:
        report = clue_report(job, self.modality, findings, elapsed_s)
        subject = self.bus.topology.clue_subject(job.job_id, job.clip_id, self.modality.value)
        await publish(self.bus.js, subject, report, msg_id=f"clue.{job.key}.{self.modality.value}")

    async def publish_failure(self, job: ClipJob, error: ErrorInfo) -> None:
        """Dead-letter hook: fusion must hear about a clip this modality gave up on."""
        await self.publish(job, ModalityFindings.failed(error.code, error.message))


async def analyze_media(
    resolver: MediaResolver, job: ClipJob, analysis: Callable[[Path, float, float | None], T]
) -> tuple[T, float]:
    """Run a blocking media analysis in a thread; ``MediaError`` propagates to the caller."""
    start = time.perf_counter()
    async with resolver.local_file(job.media) as path:
        outcome = await asyncio.to_thread(analysis, path, job.start_s, job.end_s)
    return outcome, time.perf_counter() - start


def media_failure(job: ClipJob, error: MediaError) -> ModalityFindings:
    log.info("clip %s: %s (%s)", job.key, error.message, error.code)
    return ModalityFindings.failed(error.code, error.message)
