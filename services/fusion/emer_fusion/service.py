"""The fusion service: joins a clip's clue reports in KV, then fuses and publishes once.

Every clue report is stored under ``{job}.{clip}.{modality}``. A report that leaves the
clip incomplete is nak'ed with a short delay and re-checks on redelivery, until all
expected modalities are there or the deadline (from the clip's first report) passes; then
the clip is fused with what it has and the missing modalities are named. The result is
published with a dedupe id, so concurrent or repeated fusions of a clip publish once.
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
    ClipResult,
    ClueReport,
    ErrorInfo,
    Modality,
    clip_result,
    failed_result,
)
from emer_common.logging_setup import set_log_service
from emer_common.metrics import model_load, observe_fusion_join
from emer_common.runtime import Bus, Runnable, run_service
from emer_common.service_config import CommonConfig
from emer_common.services import Consumer
from emer_common.tracing import configure_tracing, stage_span
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.backends.base import LLMBackend
from emer_fusion.backends.registry import create_backend
from emer_fusion.ensemble import EnsembleFuser, Member
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


def build_result(
    report: ClueReport,
    clues: dict[Modality, ClueReport],
    missing: tuple[Modality, ...],
    output: FusionOutput,
) -> ClipResult:
    job = report.job
    assert job is not None
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
        prompt_version=output.prompt_version,
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
        if report.job is None:
            return None  # nothing to join against: a v1 producer always sets it
        base = f"{report.job_id}.{report.clip_id}"
        if await self._exists(f"{base}.{DONE}"):
            return None
        await kv_put(self.kv, f"{base}.{report.modality.value}", report)
        await kv_create(self.kv, f"{base}.{FIRST_SEEN}", str(time.time()).encode())

        clues: dict[Modality, ClueReport] = {}
        for modality in report.job.modalities:
            stored = await kv_get(self.kv, f"{base}.{modality.value}", ClueReport)
            if stored is not None:
                clues[modality] = stored
        missing = tuple(m for m in report.job.modalities if m not in clues)
        if missing:
            remaining = await deadline_left(
                self.progress,
                await self._first_seen(base),
                missing,
                self.settings.modality_deadline_s,
                time.time(),
            )
            names = ", ".join(m.value for m in missing)
            if remaining > 0:
                return Retry(min(self.settings.recheck_interval_s, remaining), f"waiting: {names}")
            if await self.progress.backlog(Consumer.FUSION):
                # the missing report may be queued behind others in fusion's own backlog
                return Retry(self.settings.recheck_interval_s, f"backlog may hold: {names}")
        observe_fusion_join(
            time.time() - await self._first_seen(base), tuple(m.value for m in missing)
        )
        start = time.perf_counter()
        ids = {"emer.job_id": report.job_id, "emer.clip_id": report.clip_id}
        with stage_span("fusion.llm", attributes=ids):
            output = await asyncio.to_thread(self.fuser.fuse, clues, missing)
        result = build_result(report, clues, missing, output).model_copy(
            update={"fusion_elapsed_s": round(time.perf_counter() - start, 4)}
        )
        await self._publish(result)
        return None

    async def publish_failure(self, report: ClueReport, error: ErrorInfo) -> None:
        """Dead-letter hook: the job tracker still gets a result, carrying the error."""
        if report.job is None:
            return
        result = failed_result(report.job, (error,))
        await self._publish(result)

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
    worker = common.pull_worker(bus, Consumer.FUSION, ClueReport, join.handle, join.publish_failure)
    ready = ReadyClips(bus.js, kv, bus.topology, join.progress, settings.modality_deadline_s)
    return [worker, ReadyClipsGauge(ready, settings.ready_clips_interval_s)]


async def serve(settings: FusionSettings, common: CommonConfig) -> None:
    set_log_service("fusion")
    configure_tracing("fusion")

    async def setup(bus: Bus) -> Sequence[Runnable]:
        with model_load("fusion", settings.backend):
            fuser = await asyncio.to_thread(build_fuser, settings)
        kv = await bus.key_value(bus.topology.fusion_bucket)
        return build_workers(bus, kv, fuser, settings, common)

    await run_service("fusion", common.bus, setup, settings)
