"""Clips fusion could fuse now: the signal fusion scales on (``emer_fusion_clips_ready``).

KEDA's nats-jetstream scaler reads a consumer's lag as its pending plus ack-pending messages.
Fusion naks the reports of a clip that still waits for other modalities and re-checks them
later, so those parked reports stay ack-pending: in a batch whose visual service is behind,
fusion shows a lag of up to two reports per clip while it has nothing to fuse, and KEDA adds
fusion replicas (and LLM capacity) that only re-park the same reports.

A clip is *ready* when every modality its job expects has a report, stored by fusion or still
queued in the clue stream, or when its deadline has come (see ``deadline_left``), and it is
not fused yet; it is *waiting* otherwise. The count comes from the bus, not from one replica's
memory: every unacked clue report is in the clue stream (fusion acks a clip's reports only
once the clip is fused) and the join state is in fusion's KV bucket, each read with one API
call per poll, plus one read per clip seen for the first time. Every replica therefore
exports the same numbers, and a scaler takes their maximum. A clip that no service reported
on at all is fused at its deadline from its job alone, without the LLM; it is not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from emer_common.bus.outage import BUS_TROUBLE
from emer_common.bus.subjects import subject_counts
from emer_common.bus.topology import Topology
from emer_common.contracts import ClipJob, ClueReport, Modality, decode
from emer_common.metrics import set_fusion_clips
from emer_common.services import Consumer
from emer_fusion.text_source import waited_services

log = logging.getLogger(__name__)

DONE = "done"
FIRST_SEEN = "first"

Clip = tuple[str, str]
"""(job id, clip id)"""


class ProgressSource(Protocol):
    async def last_progress(self, services: tuple[Consumer, ...]) -> float: ...

    async def backlog(self, consumer: Consumer) -> int: ...


async def deadline_left(
    progress: ProgressSource,
    job: ClipJob,
    first_seen: float,
    missing: tuple[Modality, ...],
    deadline_s: float,
    now: float,
) -> float:
    """Seconds until fusion stops waiting for ``missing`` (zero or less: the deadline came).

    The deadline runs from the later of the clip's first sighting and the last progress of
    the services the missing modalities wait on: a service that is merely behind is waited for.
    """
    waited = [await progress.last_progress(waited_services(job, m)) for m in missing]
    return deadline_s - (now - max([first_seen, *waited]))


@dataclass(frozen=True)
class ClipCounts:
    ready: int
    """Clips with every expected report in (or past their deadline), not fused yet."""
    waiting: int
    """Clips parked until other modalities' reports come (or their deadline)."""


class ReadyClips:
    """Counts the clips ready to fuse and those waiting, from the clue stream and the KV."""

    def __init__(
        self,
        js: JetStreamContext,
        kv: KeyValue,
        topology: Topology,
        progress: ProgressSource,
        deadline_s: float,
    ) -> None:
        self.js = js
        self.kv = kv
        self.topology = topology
        self.progress = progress
        self.deadline_s = deadline_s
        self._jobs: dict[Clip, ClipJob | None] = {}
        self._first_seen: dict[Clip, float] = {}

    async def count(self) -> ClipCounts:
        queued = await self._queued_reports()
        stored, first_seen, fused = await self._join_state()
        # forget clips that left the stream (fused and acked)
        self._jobs = {c: j for c, j in self._jobs.items() if c in queued}
        self._first_seen = {c: t for c, t in self._first_seen.items() if c in queued}
        ready = waiting = 0
        now = time.time()
        for clip, (subject, modalities) in queued.items():
            if clip in fused:
                continue
            job = await self._job_of(clip, subject)
            if job is None:
                continue  # acked since the stream was read, or nothing fusion would join
            present = modalities | stored.get(clip, set())
            missing = tuple(m for m in job.modalities if m not in present)
            if await self._is_ready(job, missing, clip in first_seen, now):
                ready += 1
            else:
                waiting += 1
        return ClipCounts(ready=ready, waiting=waiting)

    async def _is_ready(
        self, job: ClipJob, missing: tuple[Modality, ...], seen: bool, now: float
    ) -> bool:
        if not missing:
            return True
        if not seen:  # fusion has not seen the clip yet: its deadline has not started
            return False
        first_seen = await self._first_seen_of((job.job_id, job.clip_id))
        left = await deadline_left(self.progress, job, first_seen, missing, self.deadline_s, now)
        return left <= 0

    async def _queued_reports(self) -> dict[Clip, tuple[str, set[Modality]]]:
        """Clips with an unacked report in the clue stream: one subject and the modalities."""
        counts = await subject_counts(
            self.js, self.topology.clues_stream, self.topology.clue_subject()
        )
        modalities = {m.value: m for m in Modality}
        queued: dict[Clip, tuple[str, set[Modality]]] = {}
        for subject in counts:
            job, clip, modality = subject.rsplit(".", 3)[1:]
            if modality in modalities:
                queued.setdefault((job, clip), (subject, set()))[1].add(modalities[modality])
        return queued

    async def _join_state(self) -> tuple[dict[Clip, set[Modality]], set[Clip], set[Clip]]:
        """From fusion's KV keys: reports stored per clip, clips seen, clips fused."""
        bucket = self.topology.fusion_bucket
        keys = await subject_counts(self.js, f"KV_{bucket}", f"$KV.{bucket}.>")
        modalities = {m.value: m for m in Modality}
        stored: dict[Clip, set[Modality]] = defaultdict(set)
        seen: set[Clip] = set()
        fused: set[Clip] = set()
        for subject in keys:
            job, clip, suffix = subject.rsplit(".", 3)[1:]
            if suffix == DONE:
                fused.add((job, clip))
            elif suffix == FIRST_SEEN:
                seen.add((job, clip))
            elif suffix in modalities:
                stored[(job, clip)].add(modalities[suffix])
        return stored, seen, fused

    async def _job_of(self, clip: Clip, subject: str) -> ClipJob | None:
        """The clip's job, from one of its reports (read once).

        None when the report is gone, or when fusion would not join it (no job, or not a
        clue report at all: the worker acks or dead-letters those).
        """
        if clip not in self._jobs:
            try:
                msg = await self.js.get_last_msg(self.topology.clues_stream, subject)
            except nats.js.errors.NotFoundError:
                return None
            try:
                self._jobs[clip] = decode(ClueReport, msg.data or b"").job
            except ValueError:  # not a clue report: the worker dead-letters it
                self._jobs[clip] = None
        return self._jobs[clip]

    async def _first_seen_of(self, clip: Clip) -> float:
        if clip not in self._first_seen:
            try:
                entry = await self.kv.get(f"{clip[0]}.{clip[1]}.{FIRST_SEEN}")
            except nats.js.errors.KeyNotFoundError:
                return time.time()  # expired from the bucket: the deadline starts again
            self._first_seen[clip] = float((entry.value or b"0").decode())
        return self._first_seen[clip]


class ReadyClipsGauge:
    """Runs beside fusion's worker: recounts every ``interval_s`` into the two gauges."""

    def __init__(self, counter: ReadyClips, interval_s: float) -> None:
        self.counter = counter
        self.interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.update()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_s)

    async def update(self) -> ClipCounts | None:
        """One recount; while the bus cannot answer the gauges keep their last values."""
        try:
            counts = await self.counter.count()
        except BUS_TROUBLE as error:
            log.warning("could not count the clips ready to fuse (%s); will retry", error)
            return None
        except Exception:
            # the count only feeds a gauge: it must never stop fusion's worker
            log.exception("counting the clips ready to fuse failed; will retry")
            return None
        set_fusion_clips(counts.ready, counts.waiting)
        return counts
