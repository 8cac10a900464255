"""The fusion service: joins a clip's clue reports in KV, then fuses and publishes once.

Every clue report is stored under ``{job}.{clip}.{modality}``. A report that leaves the
clip incomplete is nak'ed with a short delay and re-checks on redelivery, until all
expected modalities are there or the deadline (from the clip's first report) passes; then
the clip is fused with what it has and the missing modalities are named. Fusion also reads
every clip job (its own consumer), so a clip that no service reports on still gets a result
at the deadline. The result is published with a dedupe id, so concurrent or repeated
fusions of a clip publish once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import nats.js.errors
from nats.js.kv import KeyValue

from emer_common.bus.errors import Retry
from emer_common.bus.progress import ConsumerProgress
from emer_common.bus.publish import kv_create, kv_get, kv_put, publish
from emer_common.contracts import (
    ClipJob,
    ClipResult,
    ClueReport,
    ErrorInfo,
    Modality,
    clip_result,
    failed_result,
)
from emer_common.llm.base import LLMBackend
from emer_common.llm.registry import create_backend
from emer_common.logging_setup import set_log_service
from emer_common.metrics import model_load, observe_fusion_join
from emer_common.runtime import Bus, Runnable, run_service
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_common.tracing import configure_tracing, stage_span
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.ensemble import EnsembleFuser, Member
from emer_fusion.explanation import compose_explanation
from emer_fusion.fuse import ClipFuser, Fuser, FusionOutput
from emer_fusion.prompts import load_prompt
from emer_fusion.readiness import (
    DONE,
    FIRST_SEEN,
    ProgressSource,
    ReadyClips,
    ReadyClipsGauge,
    deadline_left,
)
from emer_fusion.settings import FusionSettings
from emer_fusion.text_source import unreadable_text


def build_fuser(settings: FusionSettings) -> ClipFuser:
    """One fuser, or an ensemble when ``settings.ensemble`` lists members.

    Members that name the same backend and model share one loaded instance.
    """
    if not settings.ensemble:
        return _single_fuser(settings, create_backend(settings))
    backends: dict[tuple[object, ...], LLMBackend] = {}
    members = []
    for spec in settings.ensemble:
        overrides = {k: v for k, v in spec.model_dump().items() if v is not None}
        weight = overrides.pop("weight")
        member_settings = settings.model_copy(update=overrides)
        key = (
            member_settings.backend,
            member_settings.model_path,
            member_settings.openai_base_url,
            member_settings.openai_model,
        )
        if key not in backends:
            backends[key] = create_backend(member_settings)
        members.append(Member(_single_fuser(member_settings, backends[key]), weight))
    return EnsembleFuser(members, settings.max_labels)


def _single_fuser(settings: FusionSettings, backend: LLMBackend) -> Fuser:
    return Fuser(
        backend,
        load_prompt(settings.prompt),
        EmotionVocabulary.default(),
        strategy=settings.resolved_strategy,
        max_labels=settings.max_labels,
        seed=settings.seed,
        temperature=settings.temperature,
    )


def no_clue_output(
    clues: dict[Modality, ClueReport], missing: tuple[Modality, ...], vocabulary: EmotionVocabulary
) -> FusionOutput:
    """No modality reported at all: say so, and ask the LLM nothing (it could only guess)."""
    return FusionOutput(compose_explanation(clues, missing, (), vocabulary), (), (), "")


def build_result(
    job: ClipJob,
    clues: dict[Modality, ClueReport],
    missing: tuple[Modality, ...],
    output: FusionOutput,
) -> ClipResult:
    errors = [r.error for r in clues.values() if r.error is not None]
    if job.subtitle_error is not None:
        errors.append(job.subtitle_error)
    errors += [
        ErrorInfo(code="modality_missing", message=f"no {m.value} clue report before the deadline")
        for m in missing
    ]
    return clip_result(
        job,
        clues=clues,
        explanation=output.explanation,
        labels=tuple(label.label for label in output.labels),
        label_details=output.labels,
        missing_modalities=missing,
        errors=tuple(errors) + output.errors,
        models=tuple(m for r in clues.values() for m in r.models) + output.models,
        prompt_version=output.prompt_version or None,
    )


class FusionJoin:
    def __init__(
        self,
        bus: Bus,
        kv: KeyValue,
        fuser: ClipFuser,
        settings: FusionSettings,
        progress: ProgressSource | None = None,
    ) -> None:
        self.bus = bus
        self.kv = kv
        self.fuser = fuser
        self.settings = settings
        self.progress = progress or ConsumerProgress(bus.js, bus.topology)

    async def handle(self, report: ClueReport) -> Retry | None:
        """A clue report arrived: store it, then fuse if the clip is complete or overdue."""
        job = report.job
        if job is None:
            return None  # nothing to join against: a v1 producer always sets it
        if await self._exists(f"{job.key}.{DONE}"):
            return None
        await kv_put(self.kv, f"{job.key}.{report.modality.value}", report)
        await kv_create(self.kv, f"{job.key}.{FIRST_SEEN}", str(time.time()).encode())
        clues = await self._stored_clues(job)
        missing = tuple(m for m in job.modalities if m not in clues)
        if missing:
            wait = await self._wait(job, missing)
            if wait is not None:
                return Retry(min(self.settings.recheck_interval_s, wait.delay_s), wait.reason)
        await self._fuse(job, clues, missing)
        return None

    async def handle_job(self, job: ClipJob) -> Retry | None:
        """A clip was announced: its deadline runs even if no service ever reports on it.

        Once any report is stored, the reports' own rechecks carry the clip; until then the
        job is looked at again only when the deadline could have passed.
        """
        if await self._exists(f"{job.key}.{DONE}"):
            return None
        await kv_create(self.kv, f"{job.key}.{FIRST_SEEN}", str(time.time()).encode())
        if await self._stored_clues(job):
            return None
        wait = await self._wait(job, job.modalities)
        if wait is not None:
            return wait
        await self._fuse(job, {}, job.modalities)
        return None

    async def _stored_clues(self, job: ClipJob) -> dict[Modality, ClueReport]:
        clues: dict[Modality, ClueReport] = {}
        for modality in job.modalities:
            stored = await kv_get(self.kv, f"{job.key}.{modality.value}", ClueReport)
            if stored is not None:
                clues[modality] = stored
        return clues

    async def _wait(self, job: ClipJob, missing: tuple[Modality, ...]) -> Retry | None:
        """How long to wait for ``missing`` still, or ``None`` once the deadline has passed.

        The deadline runs from the later of the clip's first sighting and the last progress
        of the services the missing modalities wait on.
        """
        remaining = await deadline_left(
            self.progress,
            job,
            await self._first_seen(job.key),
            missing,
            self.settings.modality_deadline_s,
            time.time(),
        )
        names = ", ".join(m.value for m in missing)
        if remaining > 0:
            return Retry(remaining, f"waiting: {names}")
        if await self.progress.backlog(Consumer.FUSION):
            # the missing report may be queued behind others in fusion's own backlog
            return Retry(self.settings.recheck_interval_s, f"backlog may hold: {names}")
        return None

    async def _fuse(
        self, job: ClipJob, clues: dict[Modality, ClueReport], missing: tuple[Modality, ...]
    ) -> None:
        no_text = unreadable_text(job, missing, self.settings.modality_deadline_s)
        if no_text is not None:
            clues = {**clues, Modality.TEXT: no_text}
            missing = tuple(m for m in missing if m is not Modality.TEXT)
        observe_fusion_join(
            time.time() - await self._first_seen(job.key), tuple(m.value for m in missing)
        )
        start = time.perf_counter()
        if clues:
            ids = {"emer.job_id": job.job_id, "emer.clip_id": job.clip_id}
            with stage_span("fusion.llm", attributes=ids):
                output = await asyncio.to_thread(self.fuser.fuse, clues, missing)
        else:
            output = no_clue_output(clues, missing, self.fuser.vocabulary)
        result = build_result(job, clues, missing, output).model_copy(
            update={"fusion_elapsed_s": round(time.perf_counter() - start, 4)}
        )
        await self._publish(result)

    async def publish_failure(self, report: ClueReport, error: ErrorInfo) -> None:
        """Dead-letter hook: the job tracker still gets a result, carrying the error."""
        if report.job is not None:
            await self.job_failed(report.job, error)

    async def job_failed(self, job: ClipJob, error: ErrorInfo) -> None:
        """Dead-letter hook of the clip announcements (an undecodable job, for one)."""
        await self._publish(failed_result(job, (error,)))

    async def _publish(self, result: ClipResult) -> None:
        base = f"{result.job_id}.{result.clip_id}"
        subject = self.bus.topology.result_subject(result.job_id, result.clip_id)
        await publish(self.bus.js, subject, result, msg_id=f"result.{base}")
        await self.kv.put(f"{base}.{DONE}", b"1")

    async def _exists(self, key: str) -> bool:
        try:
            await self.kv.get(key)
        except nats.js.errors.KeyNotFoundError:
            return False
        return True

    async def _first_seen(self, base: str) -> float:
        entry = await self.kv.get(f"{base}.{FIRST_SEEN}")
        return float((entry.value or b"0").decode())


def build_workers(
    bus: Bus, kv: KeyValue, fuser: ClipFuser, settings: FusionSettings, common: CommonConfig
) -> Sequence[Runnable]:
    join = FusionJoin(bus, kv, fuser, settings)
    ready = ReadyClips(bus.js, kv, bus.topology, join.progress, settings.modality_deadline_s)
    return [
        common.pull_worker(bus, Consumer.FUSION, ClueReport, join.handle, join.publish_failure),
        common.pull_worker(bus, Consumer.FUSION_JOBS, ClipJob, join.handle_job, join.job_failed),
        ReadyClipsGauge(ready, settings.ready_clips_interval_s),
    ]


async def serve(settings: FusionSettings, common: CommonConfig) -> None:
    set_log_service("fusion")
    configure_tracing("fusion")

    async def setup(bus: Bus) -> Sequence[Runnable]:
        with model_load("fusion", settings.backend):
            fuser = await asyncio.to_thread(build_fuser, settings)
        kv = await bus.key_value(bus.topology.fusion_bucket)
        return build_workers(bus, kv, fuser, settings, common)

    await run_service("fusion", common.bus, setup, settings)
