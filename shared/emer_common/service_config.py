"""The settings every service shares, built once in ``main`` next to the service's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from emer_common.media import MediaResolver
from emer_common.runtime import Bus
from emer_common.settings import BusSettings, MediaSettings, WorkerSettings


@dataclass(frozen=True)
class CommonConfig:
    bus: BusSettings = field(default_factory=BusSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)

    def resolver(self, bus: Bus) -> MediaResolver:
        return MediaResolver(self.media.allowed_roots, bus.js, self.media.staging_dir)
