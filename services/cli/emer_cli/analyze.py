"""``emer analyze``: ingest inputs, publish clip jobs, track results, write the outputs.

Without a NATS URL it starts a private nats-server and every service as a child process:
the same bus, subjects and code paths as a cluster, on one machine.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from rich.console import Console

from emer_cli.display import job_display
from emer_cli.ingest import IngestOptions, IngestPlan, Rejection, plan_jobs
from emer_cli.interrupt import Interrupt, Interrupted
from emer_cli.output import OutputFolder, clip_fingerprint, configuration_fingerprint
from emer_cli.processes import ServiceProcesses
from emer_cli.report import write_outputs
from emer_cli.stack import running_stack
from emer_cli.tracker import JobProgress, JobTracker
from emer_common.bus.embedded import EmbeddedNats
from emer_common.bus.outage import patiently
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
from emer_common.subtitle_store import by_reference, forget
from emer_common.tracing import configure_tracing, stage_span

FOLDER_SKIPS = frozenset({"not_media", "hidden_file", "manifest_in_folder"})
INTERRUPT_STOP_S = 5.0  # a service still busy after this is killed: exit within 10 s


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
    overwrite: bool = False
    """Redo every clip, also those an earlier run into ``out_dir`` finished."""


@dataclass
class AnalyzeOutcome:
    status: JobStatus
    results: list[ClipResult]
    rejections: list[Rejection]
    timings: dict[str, float]
    reused: int = 0
    """Clips whose result an earlier run into the same folder had already made."""
    restarts: dict[str, int] = field(default_factory=dict)


def new_job_id() -> str:
    return time.strftime("job-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def run_analysis(options: AnalyzeOptions, console: Console | None = None) -> AnalyzeOutcome:
    """Analyse the inputs; results land in ``options.out_dir`` as they come.

    An earlier run into the same folder is resumed: clips it finished with the same media and
    configuration are kept, the rest are done. Ctrl-C or SIGTERM stops publishing, writes what
    is finished (``job.json`` state ``interrupted``) and stops every child process.
    """
    console = console or Console(stderr=True)
    folder = OutputFolder(options.out_dir)
    folder.check_writable()  # before any work, in every mode
    with Interrupt() as interrupt:
        return _run(options, console, folder, interrupt)


def _run(
    options: AnalyzeOptions, console: Console, folder: OutputFolder, interrupt: Interrupt
) -> AnalyzeOutcome:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    job_id = options.job_id or new_job_id()
    plan = plan_jobs(job_id, options.inputs, options.ingest, options.modalities)
    timings["ingest_s"] = time.perf_counter() - start
    # Files a folder scan passes over on purpose (a README beside the videos) are counted,
    # not shouted; every input that was meant as media and failed is named.
    quiet_skips = [r for r in plan.rejections if r.code in FOLDER_SKIPS]
    for rejection in plan.rejections:
        if rejection.code not in FOLDER_SKIPS:
            console.print(f"[yellow]rejected[/] {rejection.source}: {rejection.message}")
    if quiet_skips:
        console.print(
            f"{len(quiet_skips)} file(s) in the input folders are not media and were skipped "
            f"(listed in {options.out_dir / 'job.json'})"
        )
    configuration = configuration_fingerprint(os.environ, [repr(options.ingest)])
    fingerprints = {job.clip_id: clip_fingerprint(job, configuration) for job in plan.jobs}
    kept = {} if options.overwrite else folder.finished(fingerprints)
    todo = [job for job in plan.jobs if job.clip_id not in kept]
    folder.start((result, fingerprints[clip]) for clip, result in kept.items())
    if kept:
        console.print(
            f"{len(kept)} of {len(plan.jobs)} clip(s) already done in {options.out_dir} with "
            "the same media and settings: kept (--overwrite redoes them)"
        )

    def finished(result: ClipResult) -> None:
        # a clip that failed for a reason a rerun may fix is not marked done
        if all(error.permanent for error in result.errors):
            folder.append(result, fingerprints[result.clip_id])

    outcome = AnalyzeOutcome(
        _status(job_id, JobState.FAILED, plan, kept), [], plan.rejections, timings, len(kept)
    )
    try:
        if not plan.jobs:
            pass
        elif not todo:
            console.print("nothing left to do: every clip already has its result")
            outcome.status = _status(job_id, JobState.DONE, plan, kept)
        elif (remote := _remote_bus(options, plan, console)) is not None:
            outcome.status, outcome.results = asyncio.run(
                _submit_and_track(options, remote, todo, plan, console, finished, interrupt)
            )
        else:
            outcome.status, outcome.results = _run_embedded(
                options, todo, plan, console, finished, interrupt, outcome.restarts
            )
    finally:
        folder.close()
    order = {job.clip_id: index for index, job in enumerate(plan.jobs)}
    outcome.results = sorted([*kept.values(), *outcome.results], key=lambda r: order[r.clip_id])
    outcome.status = outcome.status.model_copy(
        update={"total_clips": len(plan.jobs), "done_clips": len(outcome.results)}
    )
    timings["total_s"] = time.perf_counter() - start
    write_outputs(
        options.out_dir,
        outcome.status,
        outcome.results,
        plan.rejections,
        timings,
        outcome.restarts,
    )
    return outcome


def _remote_bus(options: AnalyzeOptions, plan: IngestPlan, console: Console) -> BusSettings | None:
    """The bus of ``--nats-url``, else a warm local stack that may read the inputs, else None."""
    if options.bus.nats_url:
        return options.bus
    stack = running_stack()
    if stack is None or not stack.covers(plan.roots):
        return None
    console.print(f"using the warm local stack (pid {stack.pid}; `emer down` stops it)")
    return stack.bus_settings(options.bus)


def _status(
    job_id: str, state: JobState, plan: IngestPlan, kept: dict[str, ClipResult]
) -> JobStatus:
    return JobStatus(
        job_id=job_id,
        state=state,
        total_clips=len(plan.jobs),
        done_clips=len(kept),
        rejected_inputs=tuple(r.source for r in plan.rejections),
    )


def _run_embedded(
    options: AnalyzeOptions,
    todo: list[ClipJob],
    plan: IngestPlan,
    console: Console,
    finished: Callable[[ClipResult], None],
    interrupt: Interrupt,
    restarts: dict[str, int],
) -> tuple[JobStatus, list[ClipResult]]:
    """A private nats-server and every service as child processes, supervised."""
    with EmbeddedNats() as server:
        processes = ServiceProcesses(
            bus_env=server.client_env(),
            prefix=options.bus.subject_prefix,
            allowed_roots=plan.roots,
            log_dir=options.out_dir / "logs",
            extra_env=options.services_env,
        )
        processes.start()

        def supervise() -> None:
            interrupt.check()
            events = [server.supervise(), *processes.supervise()]
            for event in filter(None, events):
                console.print(f"[yellow]{event}[/] (logs: {processes.log_dir})")
            restarts.update(processes.restarts)
            if server.restarts:
                restarts["nats-server"] = server.restarts

        try:
            return asyncio.run(
                _submit_and_track(
                    options,
                    server.bus_settings(options.bus),
                    todo,
                    plan,
                    console,
                    finished,
                    interrupt,
                    supervise,
                    processes,
                )
            )
        finally:
            if interrupt.requested:
                processes.stop_timeout_s = INTERRUPT_STOP_S
            processes.stop()


async def _submit_and_track(
    options: AnalyzeOptions,
    bus_settings: BusSettings,
    todo: list[ClipJob],
    plan: IngestPlan,
    console: Console,
    finished: Callable[[ClipResult], None],
    interrupt: Interrupt,
    check: Callable[[], None] | None = None,
    processes: ServiceProcesses | None = None,
) -> tuple[JobStatus, list[ClipResult]]:
    check = check or interrupt.check
    configure_tracing("cli")
    bus = await open_bus(bus_settings, "emer-cli")
    job_id = plan.jobs[0].job_id
    jobs = {job.clip_id: job for job in todo}
    progress = JobProgress(job_id, set(jobs))
    tracker = JobTracker(bus, progress, tuple(r.source for r in plan.rejections))
    try:
        with job_display(console, job_id, len(jobs), processes) as display:
            try:
                if options.upload:
                    uploaded: dict[str, MediaRef] = {}
                    jobs = {k: await _uploaded(bus, j, uploaded) for k, j in jobs.items()}
                for clip_id, job in jobs.items():
                    interrupt.check()  # stop publishing at once
                    job = jobs[clip_id] = await patiently(
                        partial(by_reference, bus.js, bus.topology.media_bucket, job),
                        f"storing the subtitle of {job.key}",
                    )
                    subject = bus.topology.job_subject(job.job_id, job.clip_id)
                    ids = {"emer.job_id": job.job_id, "emer.clip_id": job.clip_id}
                    with stage_span("cli.submit", attributes=ids):
                        await patiently(
                            partial(publish, bus.js, subject, job, f"job.{job.key}"),
                            f"submitting {job.key}",
                        )
                timeout = options.timeout_s or 120.0 + options.per_clip_timeout_s * len(jobs)

                def on_result(result: ClipResult) -> None:
                    finished(result)
                    display.advance()

                def poll() -> None:
                    check()
                    display.refresh_services()

                status = await tracker.run(timeout, on_result=on_result, check=poll)
            except Interrupted:
                console.print(
                    f"[yellow]interrupted[/] ({interrupt.signal_name}): keeping "
                    f"{len(progress.results)} finished clip(s); the next run into "
                    f"{options.out_dir} does the rest"
                )
                results = [progress.results[c] for c in jobs if c in progress.results]
                return tracker.status(JobState.INTERRUPTED), results
        results = [progress.results[c] for c in jobs if c in progress.results]
        results += [_missing_result(jobs[c], progress) for c in jobs if c not in progress.results]
        return status, results
    finally:
        # a subtitle sent by reference is no longer needed once its clip has its result
        for clip_id in progress.results:
            if clip_id in jobs:
                await forget(bus.js, jobs[clip_id])
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
