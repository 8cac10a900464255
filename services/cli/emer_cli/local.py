"""The whole pipeline in one process: the same analyzers and fusion the services run, called
directly, without NATS and without child processes (what `emer.analyze` uses by default).

Models load once, on first use, and stay loaded for later calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emer_cli.ingest import IngestOptions, Rejection, plan_jobs
from emer_common.clue_service import clue_report
from emer_common.contracts import (
    ALL_MODALITIES,
    ClipJob,
    ClipResult,
    ClueReport,
    ErrorInfo,
    Modality,
    failed_result,
)
from emer_common.errors import EmerError
from emer_common.findings import ModalityFindings
from emer_common.media import MediaError

log = logging.getLogger(__name__)


@dataclass
class LocalPipeline:
    """Analyzers and the fuser, built from each service's settings (environment) on first use."""

    _models: dict[str, Any] = field(default_factory=dict)

    def _model(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._models:
            started = time.perf_counter()
            self._models[name] = build()
            log.info("%s models loaded in %.1f s", name, time.perf_counter() - started)
        return self._models[name]

    def visual(self) -> Any:
        from emer_visual.analyzer import VisualAnalyzer
        from emer_visual.settings import VisualSettings

        return self._model("visual", lambda: VisualAnalyzer.from_settings(VisualSettings()))

    def audio(self) -> Any:
        from emer_audio.analyzer import AudioAnalyzer
        from emer_audio.settings import AudioSettings

        return self._model("audio", lambda: AudioAnalyzer.from_settings(AudioSettings()))

    def text(self) -> Any:
        from emer_text.analyzer import TextAnalyzer
        from emer_text.settings import TextSettings

        return self._model("text", lambda: TextAnalyzer.from_settings(TextSettings()))

    def fuser(self) -> Any:
        from emer_fusion.service import build_fuser
        from emer_fusion.settings import FusionSettings

        return self._model("fusion", lambda: build_fuser(FusionSettings()))

    def clip(self, job: ClipJob) -> ClipResult:
        """One clip through every modality it asks for, then fusion."""
        from emer_fusion.service import build_result

        reports: dict[Modality, ClueReport] = {}
        transcript: tuple[str | None, str | None] = (None, None)
        path = Path(job.media.path or "")
        if Modality.VISUAL in job.modalities:
            reports[Modality.VISUAL] = self._report(
                job, Modality.VISUAL, lambda: self.visual().analyze(path, job.start_s, job.end_s)
            )
        if Modality.AUDIO in job.modalities:

            def audio() -> ModalityFindings:
                nonlocal transcript
                findings, speech = self.audio().analyze(path, job.start_s, job.end_s)
                if speech is not None:
                    transcript = (speech.text, speech.language)
                return findings  # type: ignore[no-any-return]

            reports[Modality.AUDIO] = self._report(job, Modality.AUDIO, audio)
        if Modality.TEXT in job.modalities:
            text: str | None
            if job.subtitle is not None:
                text, source, language = job.subtitle, "subtitle", job.language
            elif Modality.AUDIO in job.modalities:
                text, source, language = transcript[0], "transcript", transcript[1] or job.language
            else:
                text, source, language = None, "subtitle", job.language
            reports[Modality.TEXT] = self._report(
                job, Modality.TEXT, lambda: self.text().analyze(text, source, language)
            )
        started = time.perf_counter()
        output = self.fuser().fuse(reports, ())
        result = build_result(job, reports, (), output)
        return result.model_copy(
            update={"fusion_elapsed_s": round(time.perf_counter() - started, 4)}
        )

    @staticmethod
    def _report(
        job: ClipJob, modality: Modality, analysis: Callable[[], ModalityFindings]
    ) -> ClueReport:
        started = time.perf_counter()
        try:
            findings = analysis()
        except MediaError as error:
            findings = ModalityFindings.failed(error.code, error.message)
        return clue_report(job, modality, findings, time.perf_counter() - started)


@dataclass
class LocalRun:
    results: list[ClipResult]
    rejections: list[Rejection]


def analyze_locally(
    inputs: Iterable[Path],
    pipeline: LocalPipeline,
    job_id: str,
    modalities: tuple[Modality, ...] = ALL_MODALITIES,
    ingest: IngestOptions | None = None,
) -> LocalRun:
    """Ingest ``inputs`` as `emer analyze` does and explain every clip, one after the other.

    A clip that fails gets a result carrying the error; the other clips go on.
    """
    plan = plan_jobs(job_id, list(inputs), ingest or IngestOptions(), modalities)
    results = []
    for job in plan.jobs:
        try:
            results.append(pipeline.clip(job))
        except EmerError as error:
            log.warning("clip %s: %s", job.key, error)
            results.append(failed_result(job, (ErrorInfo(code=error.code, message=str(error)),)))
    return LocalRun(results, plan.rejections)
