"""Clips without a subtitle wait for the audio service's transcript, with a deadline.

A waiting clip is kept in the text KV bucket. The transcript consumer answers it and removes
the entry; a sweeper gives up on entries once the audio service has made no progress for
``transcript_deadline_s`` (counted from when the clip started waiting at the earliest) and
publishes an explicit "no text" report. Both publish with the same dedupe id, so a late
transcript and a sweep cannot produce two reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import nats.js.errors
from nats.js.kv import KeyValue

from emer_common.bus.outage import BUS_TROUBLE
from emer_common.bus.progress import ConsumerProgress
from emer_common.contracts import ClipJob, Contract
from emer_common.services import Consumer

log = logging.getLogger(__name__)

AUDIO_SERVICES = (Consumer.AUDIO,)


class WaitingClip(Contract):
    """KV value of a clip waiting for its transcript (not a bus message)."""

    job: ClipJob
    since: float


GiveUp = Callable[[ClipJob, str], Awaitable[None]]


class TranscriptWaits:
    def __init__(
        self,
        kv: KeyValue,
        progress: ConsumerProgress,
        deadline_s: float,
        interval_s: float,
        give_up: GiveUp,
    ) -> None:
        self.kv = kv
        self.progress = progress
        self.deadline_s = deadline_s
        self.interval_s = interval_s
        self.give_up = give_up

    async def start_waiting(self, job: ClipJob) -> None:
        entry = WaitingClip(job=job, since=time.time())
        with contextlib.suppress(nats.js.errors.KeyWrongLastSequenceError):
            await self.kv.create(job.key, entry.model_dump_json().encode())  # keep the first

    async def done(self, job: ClipJob) -> None:
        with contextlib.suppress(nats.js.errors.KeyNotFoundError):
            await self.kv.delete(job.key)

    async def run(self, stop: asyncio.Event) -> None:
        """The sweeper; stops with the service."""
        while not stop.is_set():
            try:
                await self.sweep()
            except BUS_TROUBLE as error:
                log.warning(
                    "transcript deadline sweep: the bus did not answer (%s); retrying", error
                )
            except Exception:
                log.exception("transcript deadline sweep failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)

    async def sweep(self) -> int:
        """Give up on clips whose deadline passed; returns how many."""
        try:
            keys = await self.kv.keys()
        except nats.js.errors.NoKeysError:
            return 0
        audio_moved = await self.progress.last_progress(AUDIO_SERVICES)
        if await self.progress.backlog(Consumer.TEXT_TRANSCRIPTS):
            return 0  # a transcript may be queued for this service: not a reason to give up
        given_up = 0
        for key in keys:
            try:
                raw = await self.kv.get(key)
            except nats.js.errors.KeyNotFoundError:
                continue
            if not raw.value:
                continue
            entry = WaitingClip.model_validate_json(raw.value)
            waited = time.time() - max(entry.since, audio_moved)
            if waited < self.deadline_s:
                continue
            await self.give_up(
                entry.job,
                f"no subtitle, and no transcript arrived while the audio service made no "
                f"progress for {self.deadline_s:g} s",
            )
            await self.done(entry.job)
            given_up += 1
        return given_up
