"""The visual service: a thin bus handler around ``VisualAnalyzer``."""

from __future__ import annotations

from collections.abc import Sequence

from emer_common.bus.errors import Retry
from emer_common.clue_service import CluePublisher, analyze_media, media_failure
from emer_common.contracts import ClipJob, Modality
from emer_common.logging_setup import set_log_service
from emer_common.media import MediaError
from emer_common.metrics import model_load
from emer_common.runtime import Bus, Runnable, run_service
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_common.tracing import configure_tracing
from emer_visual.analyzer import VisualAnalyzer
from emer_visual.settings import VisualSettings


def build_workers(bus: Bus, analyzer: VisualAnalyzer, common: CommonConfig) -> Sequence[Runnable]:
    publisher = CluePublisher(bus, Modality.VISUAL)
    resolver = common.resolver(bus)

    async def handle(job: ClipJob) -> Retry | None:
        if Modality.VISUAL not in job.modalities:
            return None
        try:
            findings, elapsed = await analyze_media(resolver, job, analyzer.analyze)
        except MediaError as error:
            findings, elapsed = media_failure(job, error), 0.0
        await publisher.publish(job, findings, elapsed)
        return None

    return [common.pull_worker(bus, Consumer.VISUAL, ClipJob, handle, publisher.publish_failure)]


async def serve(settings: VisualSettings, common: CommonConfig) -> None:
    set_log_service("visual")
    configure_tracing("visual")

    async def setup(bus: Bus) -> Sequence[Runnable]:
        with model_load("visual", settings.backend):
            analyzer = VisualAnalyzer.from_settings(settings)  # loaded once, before "ready"
        return build_workers(bus, analyzer, common)

    await run_service("visual", common.bus, setup, settings)
