"""The settings every service shares, built once in ``main`` next to the service's own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from emer_common.bus.errors import Retry
from emer_common.bus.worker import DeadLetterHook, PullWorker
from emer_common.contracts import Contract
from emer_common.media import MediaResolver
from emer_common.runtime import Bus
from emer_common.services import Consumer
from emer_common.settings import BusSettings, MediaSettings, WorkerSettings

M = TypeVar("M", bound=Contract)


@dataclass(frozen=True)
class CommonConfig:
    bus: BusSettings = field(default_factory=BusSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)

    def resolver(self, bus: Bus) -> MediaResolver:
        return MediaResolver(self.media.allowed_roots, bus.js, self.media.staging_dir)

    def pull_worker(
        self,
        bus: Bus,
        consumer: Consumer,
        model: type[M],
        handler: Callable[[M], Awaitable[Retry | None]],
        on_dead_letter: DeadLetterHook[M] | None = None,
    ) -> PullWorker[M]:
        """The service's durable pull worker with this deployment's delivery settings."""
        spec = bus.topology.consumer(consumer)
        return PullWorker(
            bus.js,
            bus.topology,
            spec,
            model,
            handler,
            self.worker,
            spec.service,
            on_dead_letter=on_dead_letter,
        )
