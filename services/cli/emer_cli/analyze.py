"""``emer analyze``: ingest inputs, publish clip jobs, track results, write the outputs.

Without a NATS URL it starts a private nats-server and every service as a child process:
the same bus, subjects and code paths as a cluster, on one machine.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from emer_cli.ingest import IngestOptions, IngestPlan, Rejection, plan_jobs
from emer_cli.processes import ServiceProcesses
from emer_cli.report import write_outputs
from emer_cli.tracker import JobProgress, JobTracker
from emer_common.bus.embedded import EmbeddedNats
from emer_common.bus.publish import publish
from emer_common.contracts import (
    ALL_MODALITIES,
    ClipJob,
    ClipResult,
    ErrorInfo,
    JobState,
    JobStatus,
    MediaRef,
    Modality,
    failed_result,
)
from emer_common.media import upload_media
from emer_common.runtime import Bus, close_bus, open_bus
from emer_common.settings import BusSettings


@dataclass(frozen=True)
class AnalyzeOptions:
    inputs: tuple[Path, ...]
    out_dir: Path
    bus: BusSettings
    job_id: str | None = None
    ingest: IngestOptions = field(default_factory=IngestOptions)
    modalities: tuple[Modality, ...] = ALL_MODALITIES
    upload: bool = False
    timeout_s: float | None = None
    per_clip_timeout_s: float = 120.0
    services_env: dict[str, str] = field(default_factory=dict)


@dataclass
class AnalyzeOutcome:
    status: JobStatus
    results: list[ClipResult]
    rejections: list[Rejection]
    timings: dict[str, float]


def new_job_id() -> str:
    return time.strftime("job-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def run_analysis(options: AnalyzeOptions, console: Console | None = None) -> AnalyzeOutcome:
    console = console or Console(stderr=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    job_id = options.job_id or new_job_id()
    plan = plan_jobs(job_id, options.inputs, options.ingest, options.modalities)
    timings["ingest_s"] = time.perf_counter() - start
    for rejection in plan.rejections:
        console.print(f"[yellow]rejected[/] {rejection.source}: {rejection.message}")
    if not plan.jobs:
        status = JobStatus(
            job_id=job_id,
            state=JobState.FAILED,
            total_clips=0,
            rejected_inputs=tuple(r.source for r in plan.rejections),
        )
        write_outputs(options.out_dir, status, [], plan.rejections, timings)
        return AnalyzeOutcome(status, [], plan.rejections, timings)

    if options.bus.nats_url:
        status, results = asyncio.run(_submit_and_track(options, options.bus, plan, console))
    else:
        with EmbeddedNats() as server:
            processes = ServiceProcesses(
                bus_env=server.client_env(),
                prefix=options.bus.subject_prefix,
                allowed_roots=plan.roots,
                log_dir=options.out_dir / "logs",
                extra_env=options.services_env,
            )
            processes.start()
            try:
                bus = server.bus_settings(options.bus)
                status, results = asyncio.run(
                    _submit_and_track(options, bus, plan, console, processes.check)
                )
            finally:
                processes.stop()
    timings["total_s"] = time.perf_counter() - start
    write_outputs(options.out_dir, status, results, plan.rejections, timings)
    return AnalyzeOutcome(status, results, plan.rejections, timings)


async def _submit_and_track(
    options: AnalyzeOptions,
    bus_settings: BusSettings,
    plan: IngestPlan,
    console: Console,
    check: Callable[[], None] = lambda: None,
) -> tuple[JobStatus, list[ClipResult]]:
    bus = await open_bus(bus_settings, "emer-cli")
    try:
        jobs = {job.clip_id: job for job in plan.jobs}
        if options.upload:
            uploaded: dict[str, MediaRef] = {}
            jobs = {k: await _uploaded(bus, j, uploaded) for k, j in jobs.items()}
        for job in jobs.values():
            await publish(
                bus.js, bus.topology.job_subject(job.job_id, job.clip_id), job, f"job.{job.key}"
            )
        job_id = plan.jobs[0].job_id
        progress = JobProgress(job_id, set(jobs))
        tracker = JobTracker(bus, progress, tuple(r.source for r in plan.rejections))
        timeout = options.timeout_s or 120.0 + options.per_clip_timeout_s * len(jobs)
        with Progress(
            TextColumn(f"[bold]{job_id}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("clips"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("clips", total=len(jobs))
            status = await tracker.run(
                timeout,
                on_result=lambda _r: bar.advance(task),
                check=check,
            )
        results = [progress.results[c] for c in jobs if c in progress.results]
        results += [_missing_result(jobs[c], progress) for c in jobs if c not in progress.results]
        return status, results
    finally:
        await close_bus(bus)


async def _uploaded(bus: Bus, job: ClipJob, done: dict[str, MediaRef]) -> ClipJob:
    """Copy the clip's file into the Object Store once per file, for remote clusters."""
    assert job.media.path is not None
    if job.media.path not in done:
        path = Path(job.media.path)
        name = f"{job.job_id}/{len(done):05d}{path.suffix}"
        done[job.media.path] = await upload_media(bus.js, bus.topology.media_bucket, path, name)
    return job.model_copy(update={"media": done[job.media.path]})


def _missing_result(job: ClipJob, progress: JobProgress) -> ClipResult:
    letters = [d for d in progress.dead_letters if d.clip_id == job.clip_id]
    errors = tuple(d.error for d in letters) or (
        ErrorInfo(code="timeout", message="no result before the job timeout; see logs/"),
    )
    return failed_result(job, errors)
